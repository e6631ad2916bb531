"""Live progress of one job at /ws/jobs/<id>/, for its owner only."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from webapp.jobs.models import TuningJob
from webapp.lib.events import job_group


@database_sync_to_async
def _owns_job(user: Any, job_id: int) -> bool:
    return TuningJob.objects.filter(pk=job_id, owner=user).exists()


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        # A stranger learns nothing, not even that the job exists.
        if not await _owns_job(user, job_id):
            await self.close(code=4404)
            return
        self.group_name = job_group(job_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def event_message(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
