"""Live progress of one job at /ws/jobs/<id>/, for its owner only."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from webapp.jobs.models import TuningJob
from webapp.lib.consumers import GroupEventsConsumer
from webapp.lib.events import job_group


@database_sync_to_async
def _owns_job(user: Any, job_id: int) -> bool:
    return TuningJob.objects.for_user(user).filter(pk=job_id).exists()


class JobProgressConsumer(GroupEventsConsumer):
    async def group_for(self, user: Any) -> str | None:
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        return job_group(job_id) if await _owns_job(user, job_id) else None
