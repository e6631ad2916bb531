"""Celery tasks. Each one is thin: take ids, claim, call a service, record."""

from __future__ import annotations

import socket

from celery import shared_task

from workers.progress import Event, publish


@shared_task(name="workers.tasks.ping_task")
def ping_task(reply_group: str | None = None) -> dict[str, object]:
    """Round trip through a worker; with `reply_group`, also answer over the channel layer."""
    answer: dict[str, object] = {"pong": True, "worker": socket.gethostname()}
    if reply_group:
        publish(reply_group, Event(kind="worker.pong", data=answer))
    return answer
