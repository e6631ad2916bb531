"""The periodic reconciler: PostgreSQL says what should be queued, the broker says what is.

Run by Celery beat every RESEND_LOST_WORK_AFTER seconds and once when a worker starts. Work whose
message was lost (a Redis restart without persistence, a broker down when the work was created)
is sent again, so a broker outage costs time, never a job or an upload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from webapp.datasets.services import resend_lost_processing
from webapp.ensembles.playground import settle_stale_playground_runs
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import resend_lost_jobs
from webapp.lib.queue import waiting_task_ids
from webapp.prompts.services import resend_lost_nearest_tokens

logger = logging.getLogger(__name__)


@dataclass
class Resent:
    jobs: list[int] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # upload ids
    nearest_tokens: list[int] = field(default_factory=list)  # version ids


def resend_lost_work() -> Resent:
    settle_stale_playground_runs()
    queues = {settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_GPU_QUEUE}
    queues |= set(TuningJob.objects.filter(status=JobStatus.QUEUED).values_list("queue", flat=True))
    waiting = waiting_task_ids(queues)
    if waiting is None:  # the broker cannot be read: nothing can be told or sent
        return Resent()
    older_than = timedelta(seconds=settings.RESEND_LOST_WORK_AFTER)
    resent = Resent(jobs=resend_lost_jobs(waiting, older_than), uploads=resend_lost_processing(waiting, older_than),
                    nearest_tokens=resend_lost_nearest_tokens(waiting, older_than))
    if resent.jobs or resent.uploads or resent.nearest_tokens:
        logger.warning("sent lost work again: jobs %s, uploads %s, nearest tokens of versions %s", resent.jobs,
                       resent.uploads, resent.nearest_tokens)
    return resent
