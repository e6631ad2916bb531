"""Start real service processes (Celery worker, Daphne) for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.support.forked import ForkedProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    """The URL of the database the test session runs on (pytest-django's test_* copy)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def service_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        MODEL_CACHE_DIR=str(settings.MODEL_CACHE_DIR),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class ServiceProcess:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    # A Python service that imports torch: forked from a server that has imported it already
    # (tests/support/forked.py) instead of a fresh interpreter.
    forked: bool = False
    process: subprocess.Popen[bytes] | ForkedProcess | None = field(default=None, init=False)

    def start(self, ready: Callable[[], bool], timeout: float = 60) -> None:
        if self.forked:
            self.process = ForkedProcess(self.argv, self.env, REPO_ROOT, self.log_path)
        else:
            # A new session, so kill() takes the process's children too.
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(self.argv, cwd=REPO_ROOT, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            if ready():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready after {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self, grace: float = 20) -> None:
        """SIGTERM, and SIGKILL after `grace` seconds."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()


def celery_worker(log_dir: Path, hostname: str, queues: str = "default,gpu", **env: str) -> ServiceProcess:
    """A worker as `make run` starts them: a thread pool where it trains (its jobs share a fused
    trainer per base model), one process otherwise."""
    pool = ["--pool", "threads", "--concurrency", "8"] if "gpu" in queues else ["--concurrency", "1"]
    # Jobs' rows share passes as on a GPU: the path that must give each job its solo result.
    env = {"FUSED_SHARE_PASSES": "1", **env}
    argv = [
        str(VENV_BIN / "celery"), "-A", "workers", "worker", "-Q", queues, *pool,
        "--loglevel", "INFO", "--hostname", hostname, "--without-mingle", "--without-gossip",
    ]
    return ServiceProcess(
        "celery worker", argv, service_env(WORKER_HEARTBEAT_INTERVAL="1", **env),
        log_dir / f"{hostname}.log", forked=True,
    )


def daphne_server(log_dir: Path, port: int, **env: str) -> ServiceProcess:
    argv = [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "webapp.asgi:application"]
    return ServiceProcess("daphne", argv, service_env(**env), log_dir / f"daphne-{port}.log", forked=True)


def redis_server(log_dir: Path, port: int) -> ServiceProcess:
    """A private Redis without persistence, for tests that take Redis away mid-run."""
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(log_dir)]
    return ServiceProcess("redis", argv, dict(os.environ), log_dir / f"redis-{port}.log")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def heartbeat_seen(hostname: str) -> bool:
    """Whether the Celery worker `hostname` has written its heartbeat (it is consuming)."""
    import redis

    from webapp.lib.heartbeats import read_heartbeats

    client = redis.Redis.from_url(settings.REDIS_URL)
    return any(b.hostname == hostname for b in read_heartbeats(client))


def prediction_server(log_dir: Path, **env: str) -> ServiceProcess:
    argv = [sys.executable, "-m", "workers.serving"]
    return ServiceProcess("prediction server", argv, service_env(**env), log_dir / "prediction-server.log",
                          forked=True)
