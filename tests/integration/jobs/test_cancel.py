"""Cancelling: a queued job ends at once; a running one stops at its next step and keeps
the best prompt so far when an evaluation happened."""

from __future__ import annotations

import pytest

from tests.support.jobs import launch, launch_held, wait_for_status
from tests.support.waiting import wait_for
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_cancels_a_queued_job_at_once(alice, ready_dataset, tiny_base_model) -> None:
    job = launch_held(alice, ready_dataset, tiny_base_model)

    job = cancel_job(job)

    assert job.status == JobStatus.CANCELLED
    assert job.finished_at is not None


def test_it_stops_a_running_job_and_keeps_the_best_prompt(
    alice, ready_dataset, tiny_base_model, celery_worker_process
) -> None:
    job = launch(alice, ready_dataset, tiny_base_model, max_steps=100_000, eval_every=5)

    def evaluated() -> bool:
        return TuningJob.objects.get(pk=job.pk).metrics.filter(kind="eval").exists()

    wait_for(evaluated, timeout=90, what="a first evaluation")
    cancel_job(job)

    job = wait_for_status(job, JobStatus.CANCELLED, JobStatus.FAILED, JobStatus.SUCCEEDED)
    assert job.status == JobStatus.CANCELLED
    assert job.step < 100_000
    version = PromptVersion.objects.get(job=job)
    assert version.best_step is not None
    assert version.best_step % 5 == 0
    assert job.log_entries.filter(message__startswith="Cancelled: the best prompt so far was kept").exists()


def test_it_refuses_to_start_a_job_cancelled_while_queued(
    alice, ready_dataset, tiny_base_model, celery_worker_process
) -> None:
    from tests.support.jobs import release

    job = launch_held(alice, ready_dataset, tiny_base_model)
    cancel_job(job)
    release(job)  # the message arrives anyway: the worker must not run it

    ping = __import__("workers.tasks", fromlist=["ping_task"]).ping_task.delay().get(timeout=30)
    assert ping["pong"]
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.attempts == 0
