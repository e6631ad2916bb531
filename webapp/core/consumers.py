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
