"""An ensemble evaluation has the job lifecycle of any evaluation: cancel from its page stops the
worker at its next batch with nothing kept; a job whose worker died is queued again by the reaper
and a live worker finishes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.support.accounts import logged_in
from tests.support.jobs import HELD_QUEUE, wait_for_status
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.services import create_ensemble
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import claim_job, reap_stale_jobs
from webapp.prompts.models import EvalRun

pytestmark = pytest.mark.django_db(transaction=True)


def held_evaluation(alice, members, reviews) -> TuningJob:
    ensemble = create_ensemble(alice, name="trio", versions=members)
    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        return launch_ensemble_evaluation(alice, ensemble, reviews, ["validation", "test"])


def test_cancel_stops_the_pass_and_keeps_nothing(alice, members, reviews) -> None:
    from workers.evaluation import run_ensemble_evaluation
    from workers.training import CancelCheck

    job = held_evaluation(alice, members, reviews)
    running = claim_job(job.pk, "test-worker")
    assert running is not None
    response = logged_in(alice).post(f"/jobs/{job.pk}/cancel/")
    assert response.status_code == 302

    run_ensemble_evaluation(running, "test-worker", CancelCheck(job.pk))

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert not EvalRun.objects.filter(job=job).exists()
    assert job.log_entries.filter(message__contains="kept no results").exists()


@pytest.mark.worker
def test_a_dead_workers_evaluation_is_finished_by_another(alice, members, reviews, celery_worker_process) -> None:
    job = held_evaluation(alice, members, reviews)
    assert claim_job(job.pk, "a-worker-that-died") is not None
    TuningJob.objects.filter(pk=job.pk).update(queue="gpu", heartbeat_at=timezone.now() - timedelta(hours=1))

    assert reap_stale_jobs(live_queues={"gpu"}) == [job.pk]

    job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.attempts == 2
    assert EvalRun.objects.filter(job=job, prompt_version__isnull=True).count() == 2
    assert EvalRun.objects.filter(job=job, prompt_version__isnull=False).count() == 2 * len(members)
