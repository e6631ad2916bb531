"""Jobs of dead workers are settled by a periodic task, not by whoever opens a page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.jobs import HELD_QUEUE, launch_held
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import claim_job
from webapp.lib.heartbeats import delete_heartbeat, write_heartbeat
from workers.tasks import settle_jobs_of_dead_workers_task

pytestmark = pytest.mark.django_db(transaction=True)

LIVE_WORKER = "held-back-worker@test"


@pytest.fixture
def stale_job(alice, ready_dataset, tiny_base_model) -> TuningJob:
    job = launch_held(alice, ready_dataset, tiny_base_model)
    assert claim_job(job.pk, "worker-that-died") is not None
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    TuningJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    return job


@pytest.fixture
def live_worker_on_held_queue():
    client = redis.Redis.from_url(settings.REDIS_URL)
    write_heartbeat(client, LIVE_WORKER, (HELD_QUEUE,), ttl=60)
    yield
    delete_heartbeat(client, LIVE_WORKER)


def test_it_leaves_job_rows_alone_on_page_views(alice, stale_job, live_worker_on_held_queue) -> None:
    client = Client()
    client.force_login(alice)
    assert client.get(reverse("jobs:index")).status_code == 200
    assert client.get(reverse("jobs:detail", args=[stale_job.pk])).status_code == 200
    stale_job.refresh_from_db()
    assert stale_job.status == JobStatus.RUNNING


def test_the_periodic_task_requeues_a_job_whose_worker_died(stale_job, live_worker_on_held_queue) -> None:
    assert settle_jobs_of_dead_workers_task() == [stale_job.pk]
    stale_job.refresh_from_db()
    assert stale_job.status == JobStatus.QUEUED


def test_beat_sends_the_task_to_the_default_queue() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["settle-jobs-of-dead-workers"]
    assert entry["task"] == settle_jobs_of_dead_workers_task.name
    assert entry["options"]["queue"] == settings.CELERY_TASK_DEFAULT_QUEUE
