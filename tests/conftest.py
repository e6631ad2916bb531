"""Shared fixtures: personas, real service processes, and the browser."""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.accounts import make_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

    from tests.support.processes import ServiceProcess

# `precision: auto` means fp32 in every test and in every process a test starts, whatever the CPU:
# a verdict must not depend on whether the machine has AMX / AVX512-BF16. Tests of the bf16 path
# force it (`force_native_bf16`), and `SPS_NATIVE_BF16=1 make test` runs the suite as an AMX machine.
os.environ.setdefault("SPS_NATIVE_BF16", "0")

# The session's services stop when nothing is left to run: a graceful shutdown that waits for
# leftover work (a job a test launched and left training, a socket Chromium left open) saves
# nothing, and it once held a fresh-clone run for 20 s.
SESSION_END_GRACE_S = 3

# Django-dependent imports live inside the fixtures: tuning_core's tests run without Django
# (`pytest tests/unit/tuning_core -p no:django`).


@pytest.fixture
def alice(db: None) -> AbstractUser:
    """Owns the objects under test."""
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> AbstractUser:
    """Alice's teammate: today there are no teams, so he sees only his own objects."""
    return make_user("bob")


@pytest.fixture
def charlie(db: None) -> AbstractUser:
    """A stranger with an account and no access to anything of alice's."""
    return make_user("charlie")


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """Each test starts with new Channels layer instances and no announcement outage.

    channels_redis keeps asyncio locks per layer, bound to the event loop that first used them;
    pytest-asyncio gives every test its own loop, and a lock left held by an earlier test's socket
    broke the next one ("bound to a different event loop")."""
    yield
    layers = sys.modules.get("channels.layers")  # only where a test loaded it: no Django otherwise
    if layers is not None:
        layers.channel_layers.backends.clear()
    events = sys.modules.get("webapp.lib.events")
    if events is not None:
        # A failed send quiets announcements for a few seconds: that must not reach the next test
        # (it dropped the jobs list's live update once).
        events._outage.recovered()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random-weight T5 (t5.1.1 shape) that worker and web tests run on."""
    from tuning_core.tiny import build_tiny_t5

    return build_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


@pytest.fixture
def tiny_base(db: None, tiny_model_dir: Path):  # noqa: ANN201 - a BaseModel row (Django is imported lazily)
    """The tiny T5 registered as the base model `tiny-t5`."""
    from webapp.basemodels.services import register_base_model

    return register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)


@pytest.fixture(scope="session")
def service_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, django_db_blocker, service_logs: Path
) -> Iterator[ServiceProcess]:
    """A real Celery worker on the test database, consuming both queues."""
    from tests.support.processes import celery_worker, heartbeat_seen

    hostname = f"test-worker-{int(time.time() * 1000)}@localhost"
    with django_db_blocker.unblock():
        worker = celery_worker(service_logs, hostname)
    worker.start(ready=lambda: heartbeat_seen(hostname), timeout=90)
    import redis
    from django.conf import settings

    _session_worker.update(queues=[settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_GPU_QUEUE],
                           broker=redis.Redis.from_url(settings.REDIS_URL))
    yield worker
    _session_worker.clear()
    worker.stop(grace=SESSION_END_GRACE_S)


@pytest.fixture(scope="session")
def prediction_server_process(django_db_setup: None, django_db_blocker, service_logs: Path) -> Iterator[ServiceProcess]:
    """The real prediction server (`python -m workers.serving`) on the test database's media and Redis.

    Its batching window is wide, so calls sent together in a test share a batch even on a busy machine."""
    import redis
    from django.conf import settings

    from tests.support.processes import prediction_server
    from webapp.lib.prediction_calls import keys

    with django_db_blocker.unblock():
        server = prediction_server(service_logs, SERVING_BATCH_WINDOW_MS="400")
    client = redis.Redis.from_url(settings.REDIS_URL)
    server.start(ready=lambda: bool(client.exists(keys().alive)), timeout=60)
    yield server
    server.stop(grace=SESSION_END_GRACE_S)


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: None, django_db_blocker, service_logs: Path) -> Iterator[str]:
    """Daphne serving the real ASGI app (HTTP and websockets) on the test database."""
    from tests.support.processes import daphne_server, free_port, port_open

    port = free_port()
    with django_db_blocker.unblock():
        server = daphne_server(service_logs, port)
    server.start(ready=lambda: port_open(port), timeout=60)
    yield f"http://127.0.0.1:{port}"
    server.stop(grace=SESSION_END_GRACE_S)


# The session's worker's queues and its broker, once it runs (it takes what pages and services launch).
_session_worker: dict[str, Any] = {}
BACKGROUND_WORK_TIMEOUT_S = 60


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A transactional test's tables are truncated after it: not while the session's worker still
    works on something the test started (a job launched from a page, then cancelled). The
    TRUNCATE and the worker's locks deadlocked in fresh-clone runs."""
    marker = item.get_closest_marker("django_db")
    if _session_worker and marker is not None and marker.kwargs.get("transaction"):
        _await_no_background_work(_session_worker["broker"], _session_worker["queues"])
    yield


def _await_no_background_work(broker: Any, queues: list[str]) -> None:
    from tests.support.waiting import broker_holds_work, wait_for

    try:
        wait_for(lambda: not broker_holds_work(broker, queues), BACKGROUND_WORK_TIMEOUT_S,
                 what="the session's worker to finish what the test started")
    except AssertionError as timed_out:
        warnings.warn(f"{timed_out}: its tables are flushed under it", stacklevel=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, which asyncio tests cannot share."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
