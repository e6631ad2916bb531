"""Polling for conditions that another process (a Celery worker, a server) makes true."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable


def wait_for(predicate: Callable[[], bool], timeout: float = 90, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists of their own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def broker_holds_work(client, queues: Iterable[str]) -> bool:  # noqa: ANN001 - a redis.Redis
    """Whether a message of `queues` waits in the broker or is held by a worker. Tasks are
    acknowledged late, so a task still running is in kombu's `unacked` hash until it ends."""
    names = set(queues)
    if any(client.llen(name + suffix) for name in names for suffix in PRIORITY_SUFFIXES):
        return True
    for raw in client.hvals("unacked"):
        _, _, routing_key = json.loads(raw)
        if routing_key in names:
            return True
    return False
