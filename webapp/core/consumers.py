"""Websocket endpoint for events addressed to the signed-in user.

The database stays the source of truth: these messages only announce that
something changed (a job's status, an upload became a dataset), and pages
re-read what they show.
"""

from __future__ import annotations

from typing import Any

from webapp.lib.consumers import GroupEventsConsumer
from webapp.lib.events import user_group


class UserEventsConsumer(GroupEventsConsumer):
    async def group_for(self, user: Any) -> str | None:
        return user_group(user.pk)


async def refuse_unknown_path(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Every other websocket path: the handshake is refused (403) without a traceback, as an HTTP
    404 is answered without one. A plain ASGI app, not a consumer: it never opens a channel
    layer connection for a socket it refuses."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1000})  # closing before accepting refuses
