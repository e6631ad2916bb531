"""Websocket consumers that forward one Channels group's events to the browser."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

UNAUTHENTICATED = 4401
NOT_FOUND = 4404


class GroupEventsConsumer(AsyncJsonWebsocketConsumer):
    """Accepts the connection when `group_for` names a group, and relays its events.

    Subclasses decide who may listen: `group_for` returns None to refuse, with the
    close code in `self.refusal` (4401 signed out, 4404 no such object for this user:
    a stranger learns nothing, not even that it exists).
    """

    refusal = NOT_FOUND

    async def group_for(self, user: Any) -> str | None:
        raise NotImplementedError

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        group = await self.group_for(user)
        if group is None:
            await self.close(code=self.refusal)
            return
        self.group_name = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def event_message(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
