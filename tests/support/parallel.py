"""Keep parallel test processes apart (pytest-xdist: `bin/test` runs `-n 2`, one per core).

Loaded with `-p tests.support.parallel`, before Django reads its settings. Each xdist worker
(`PYTEST_XDIST_WORKER=gw0`, `gw1`, …) gets its own:
- Redis database (the broker's queues, the Channels layer, worker heartbeats, the prediction
  queue): the Celery worker a test starts never takes another process's task, and a job's
  events never reach another process's sockets, although job and user ids repeat across the
  processes' databases;
- MEDIA_ROOT and MODEL_CACHE_DIR: `jobs/1/` is a different job in each process.
pytest-django gives each its own PostgreSQL test database (`test_…_gw0`).

Without xdist (`bin/test -n 0`, a single test) nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from urllib.parse import urlsplit, urlunsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_number(name: str) -> int:
    """gw0 → 0, gw1 → 1, …"""
    return int(name.removeprefix("gw"))


def redis_url_for(url: str, worker: int) -> str:
    """The same server, database 1 + worker (database 0 is the single-process default)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{1 + worker}"))


def isolate(environ: MutableMapping[str, str], worker: int) -> None:
    if environ.get("REDIS_URL"):
        environ["REDIS_URL"] = redis_url_for(environ["REDIS_URL"], worker)
    for name in ("MEDIA_ROOT", "MODEL_CACHE_DIR"):
        if environ.get(name):
            environ[name] = os.path.join(environ[name], f"gw{worker}")


if WORKER:
    isolate(os.environ, worker_number(WORKER))
