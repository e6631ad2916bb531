"""A bench's child Python processes, and their stand-in under `--smoke`.

A full run starts a fresh interpreter for each side it measures, so that the side's imports, model
load and peak RSS are its own. A smoke run only shows that the bench still runs
(tests/integration/test_every_bench_runs.py), and a fresh interpreter costs ~4 s of importing torch
and transformers: there the same argv goes through the same parser and code in this process, and
a server is a fork of this process (`start_python`).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import runpy
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]


def run_python(argv: list[str], *, in_process: bool, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess[str]:
    """`python *argv` (a script's path, or `-m module`, then its arguments), with its output captured.

    in_process: run it here instead (env is then not applied): for --smoke only."""
    if not in_process:
        return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True)
    stdout, stderr = io.StringIO(), io.StringIO()
    saved_argv = sys.argv
    returncode: int | str | None = 0
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            _run_as_main(argv)
    except SystemExit as exit_:
        returncode = exit_.code
    finally:
        sys.argv = saved_argv
    return subprocess.CompletedProcess([sys.executable, *argv], _exit_status(returncode),
                                       stdout.getvalue(), stderr.getvalue())


class Server(Protocol):
    """What a bench does with a server it started: the part of `subprocess.Popen` it uses."""

    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def wait(self) -> int | None: ...


def start_python(argv: list[str], *, forked: bool, env: dict[str, str]) -> Server:
    """`python *argv` as a server the caller stops (terminate, then wait), its output dropped.

    forked: a fork of this process instead of a fresh interpreter, for --smoke only (it skips
    the child's ~4 s of importing torch and transformers). The child reads its settings from
    `env`, so this process must not have set up Django yet."""
    if not forked:
        return subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    child = multiprocessing.get_context("fork").Process(target=_serve, args=(argv, env), daemon=True)
    child.start()
    return _ForkedServer(child)


def _serve(argv: list[str], env: dict[str, str]) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    _run_as_main(argv)


def _run_as_main(argv: list[str]) -> None:
    """What `python *argv` runs, in this interpreter: `-m module` or a script, with its sys.argv."""
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        runpy.run_path(argv[0], run_name="__main__")


class _ForkedServer:
    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self.process = process

    def poll(self) -> int | None:
        return self.process.exitcode

    def terminate(self) -> None:
        self.process.terminate()

    def wait(self) -> int | None:
        self.process.join()
        return self.process.exitcode


def _exit_status(code: int | str | None) -> int:
    # As the interpreter turns SystemExit's argument into a status: None is 0, a message is 1.
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def last_json_line(done: subprocess.CompletedProcess[str]) -> str:
    """The last line a child printed (benches' children end with one JSON line); a failed child's
    stderr is raised instead."""
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(done.args[1:3])} failed with status {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]
