"""Benchmarks cannot rot: every bench/*.py runs at its `--smoke` size here, so one that no longer
runs (a renamed function, a changed signature, a form that now refuses its upload) fails CI
instead of failing the next person who needs its numbers.

`--smoke` keeps every code path of the full run at the smallest sizes (a tiny model, one repeat,
a step or two), so a run takes seconds; what it prints means nothing and nothing here reads it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.forked import ForkedProcess

ROOT = Path(__file__).resolve().parents[2]
# bench/_*.py are what benches share, not benches.
BENCHES = sorted(path.stem for path in (ROOT / "bench").glob("*.py") if not path.stem.startswith("_"))
# These run on the test session's PostgreSQL (tests/support/processes.py's service_env):
# compare_page and storage build and drop a database of their own beside it (one after the
# other: this file runs in one process); upload_memory writes its user, session and upload into
# it, which transaction=True flushes afterwards.
ON_THE_DATABASE = {
    "compare_page": pytest.mark.django_db,
    "upload_memory": pytest.mark.django_db(transaction=True),
    "storage": pytest.mark.django_db,
}
TIMEOUT_S = 120


def _params() -> list[object]:
    return [pytest.param(name, marks=ON_THE_DATABASE[name]) if name in ON_THE_DATABASE else name
            for name in BENCHES]


@pytest.fixture(scope="module")
def bench_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis of the benches' own: what they send (an upload's tasks, the compare page's cached
    bootstraps, keyed by run ids that repeat across databases) reaches no test's worker or cache."""
    from tests.support.processes import free_port, port_open, redis_server

    port = free_port()
    server = redis_server(tmp_path_factory.mktemp("bench-redis"), port)
    server.start(ready=lambda: port_open(port), timeout=30)
    yield f"redis://127.0.0.1:{port}/0"
    server.stop()


def _env(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    # One thread and no network, as in CI; files a bench leaves go to this test's folder.
    common = {"TORCH_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
             "MEDIA_ROOT": str(tmp_path / "media")}
    if name not in ON_THE_DATABASE:
        return {**os.environ, **common}
    from django.db import connection

    from tests.support.processes import service_env

    # compare_page creates (and clobbers) TEST_DATABASE_NAME: never the session's own test database.
    return service_env(REDIS_URL=request.getfixturevalue("bench_redis"),
                       TEST_DATABASE_NAME=f"{connection.settings_dict['NAME']}_bench", **common)


def _tail(path: Path, chars: int = 4000) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-chars:] if text.strip() else "(nothing)"


@pytest.mark.slow
@pytest.mark.parametrize("name", _params())
def test_the_bench_runs_at_its_smoke_size(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # Forked from the test process's fork server (tests/support/forked.py), as `python bench/….py`
    # would run but without importing torch and transformers again; in a session of its own, so
    # that a timeout also ends the processes the bench started (prediction servers, Redis, Daphne).
    output = tmp_path / "output.log"
    process = ForkedProcess([sys.executable, f"bench/{name}.py", "--smoke"], _env(name, request, tmp_path), ROOT,
                            output)
    try:
        returncode = process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        pytest.fail(f"bench/{name}.py --smoke ran past {TIMEOUT_S} s\n--- output\n{_tail(output)}")
    assert returncode == 0, f"bench/{name}.py --smoke exited with {returncode}\n--- output\n{_tail(output)}"


@pytest.mark.parametrize("name", BENCHES)
def test_every_bench_has_a_smoke_size(name: str) -> None:
    """A new bench without --smoke would not be run above in any useful time."""
    assert '"--smoke"' in (ROOT / "bench" / f"{name}.py").read_text(), (
        f"bench/{name}.py has no --smoke: give it one (see bench/README.md)")
