"""Service processes forked from a server that has imported torch and transformers once.

A Celery worker, Daphne or prediction server started as a fresh interpreter spends ~4 s of CPU
importing torch and transformers before it does anything, and the suite starts dozens of them on
two cores. Python's fork server imports them once per test process; each service is then a fork
of it that runs its program's usual entry point (the console script, or `-m module`) with its own
environment, working directory, session and log, as `subprocess.Popen` would have.

No Django here: the child sets its environment before anything reads settings.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
from pathlib import Path

# Only what costs seconds and starts no thread or event loop at import: Daphne installs Twisted's
# reactor on an asyncio loop as it is imported, and a loop must not be shared across a fork.
PRELOAD = ["torch", "transformers.models.t5.modeling_t5", "transformers.models.auto.tokenization_auto",
           "transformers.models.t5.tokenization_t5"]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)
_running: list[ForkedProcess] = []


class ForkedProcess:
    """The part of `subprocess.Popen` that ServiceProcess uses, for a process of the fork server."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.args = argv
        self._process = _context.Process(target=_run, args=(argv, env, str(cwd), str(log_path)),
                                         name=Path(argv[0]).name)
        self._process.start()
        _running.append(self)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        if self in _running:
            _running.remove(self)
        return self._process.exitcode


def _run(argv: list[str], env: dict[str, str], cwd: str, log_path: str) -> None:
    """In the child: what exec'ing `argv` would have done, minus the imports already made."""
    os.setsid()  # its own process group, so that a kill takes its children too
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    if argv[0] == sys.executable and argv[1] == "-m":  # python -m module args…
        sys.argv = [argv[2], *argv[3:]]
        runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
        return
    # python script args…, or a console script (itself a Python file) args…
    script_argv = argv[1:] if argv[0] == sys.executable else argv
    script = Path(script_argv[0]).resolve()
    # As a fresh interpreter would: the script's folder first, and not the test run's own entries
    # (the working folder), so a script that forgot to put the repository on its path still fails.
    sys.path[:] = [str(script.parent), *(p for p in sys.path if p and Path(p).resolve() != Path(cwd).resolve())]
    sys.argv = list(script_argv)
    runpy.run_path(str(script), run_name="__main__")


@atexit.register
def _kill_leftovers() -> None:
    # multiprocessing joins every child it started as the test process exits: a service a test
    # failed to stop would hang the run there, where a Popen child was only orphaned.
    for process in list(_running):
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)
