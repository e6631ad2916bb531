"""Websocket endpoint for events addressed to the signed-in user.

The database stays the source of truth: these messages only announce that
something changed (a job's status, a dataset finished validating), and pages
re-read what they show.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from webapp.lib.events import user_group


class UserEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def event_message(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
