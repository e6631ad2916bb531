"""Jobs whose worker died: requeued when a worker serves their queue, failed when none comes back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.jobs import launch_held
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import claim_job, reap_stale_jobs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running_job(alice, ready_dataset, tiny_base_model) -> TuningJob:
    job = launch_held(alice, ready_dataset, tiny_base_model)
    assert claim_job(job.pk, "worker-a") is not None
    return job


def age_heartbeat(job: TuningJob, seconds: int) -> None:
    TuningJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_second_delivery_does_nothing_while_the_worker_lives(running_job) -> None:
    assert claim_job(running_job.pk, "worker-b") is None
    running_job.refresh_from_db()
    assert running_job.worker == "worker-a"
    assert running_job.attempts == 1


def test_a_stale_job_is_taken_over(running_job, settings) -> None:
    age_heartbeat(running_job, settings.JOB_HEARTBEAT_TIMEOUT + 1)
    job = claim_job(running_job.pk, "worker-b")
    assert job is not None
    assert job.worker == "worker-b"
    assert job.attempts == 2


def test_it_requeues_a_stale_job_when_its_queue_has_a_live_worker(running_job, settings) -> None:
    age_heartbeat(running_job, settings.JOB_HEARTBEAT_TIMEOUT + 1)
    assert reap_stale_jobs(live_queues={"held-back"}) == [running_job.pk]
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.QUEUED
    assert running_job.log_entries.filter(message__contains="queued again").exists()


def test_it_leaves_a_fresh_job_alone(running_job) -> None:
    assert reap_stale_jobs(live_queues=set()) == []
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.RUNNING


def test_it_fails_a_job_no_worker_came_back_for(running_job, settings) -> None:
    age_heartbeat(running_job, settings.JOB_HEARTBEAT_TIMEOUT + 10)
    assert reap_stale_jobs(live_queues=set()) == [], "still within the orphan timeout"

    age_heartbeat(running_job, settings.JOB_HEARTBEAT_TIMEOUT + settings.JOB_ORPHAN_TIMEOUT + 1)
    assert reap_stale_jobs(live_queues=set()) == [running_job.pk]
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.FAILED
    assert "stopped responding" in running_job.error_message
    assert "no worker came back" in running_job.error_message

