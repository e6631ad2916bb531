"""Announcing changes to browsers through the Channels layer.

Payloads are small typed dicts that say what changed; pages re-read state from
PostgreSQL, so a lost message costs a stale view until the next one, never
wrong data. Consumers handle the `event.message` type.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

EventKind = Literal["worker.pong", "job.status", "job.progress", "job.log", "dataset.status"]


class Event(TypedDict):
    kind: EventKind
    data: dict[str, Any]


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def job_group(job_id: int) -> str:
    return f"job-{job_id}"


def publish(group: str, event: Event) -> None:
    """Send `event` to every websocket in `group`."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": "event.message", "event": event})
