"""A worker SIGKILLed while a fused group trains: every job of the group is taken over by the next
worker and resumes from its own checkpoint, each ending with one version."""

from __future__ import annotations

import signal

import pytest
from django.test import override_settings

from tests.support.jobs import launch, wait_for_status
from tests.support.processes import celery_worker
from tests.support.waiting import wait_for
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A queue of its own, so the session's shared worker cannot take these jobs.
QUEUE = "gpu-group-crash-test"
FAST_RECOVERY = {"JOB_HEARTBEAT_INTERVAL": "1", "JOB_HEARTBEAT_TIMEOUT": "3", "CELERY_GPU_QUEUE": QUEUE}


def _checkpointed(job: TuningJob) -> bool:
    return TuningJob.objects.get(pk=job.pk).metrics.filter(kind="eval").exists()


def test_every_job_of_a_killed_group_resumes_from_its_own_checkpoint(
    alice, bob, ready_dataset, tiny_base_model, service_logs
) -> None:
    from tests.factories import make_ready_dataset

    first = celery_worker(service_logs, "group-doomed@localhost", queues=QUEUE, **FAST_RECOVERY)
    first.start(ready=lambda: first.log_path.exists() and "ready." in first.log_tail(), timeout=90)
    with override_settings(CELERY_GPU_QUEUE=QUEUE):
        # The long job holds the group open, so the two below join it whatever the machine's speed.
        anchor = launch(alice, ready_dataset, tiny_base_model, prompt_name="anchor", max_steps=100_000,
                        eval_every=40)
        wait_for(lambda: TuningJob.objects.get(pk=anchor.pk).step > 0, timeout=120, what="the anchor training")
        jobs = [anchor,
                launch(alice, ready_dataset, tiny_base_model, prompt_name="second", max_steps=200, eval_every=40),
                launch(bob, make_ready_dataset(bob), tiny_base_model, prompt_name="third", max_steps=200,
                       eval_every=40, seed=2)]
    wait_for(lambda: all(_checkpointed(job) for job in jobs), timeout=120, what="a checkpoint of every job")
    groups = set(TuningJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("fused_group", flat=True))
    assert len(groups) == 1 and "" not in groups, groups
    first.kill(signal.SIGKILL)
    assert set(TuningJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("status", flat=True)) == {
        JobStatus.RUNNING}

    second = celery_worker(service_logs, "group-rescuer@localhost", queues=QUEUE, **FAST_RECOVERY)
    second.start(ready=lambda: second.log_path.exists() and "ready." in second.log_tail(), timeout=90)
    try:
        for job in jobs[1:]:
            wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=300)
        wait_for(lambda: TuningJob.objects.get(pk=anchor.pk).attempts == 2, timeout=120,
                 what="the anchor taken over")
        wait_for_status(cancel_job(TuningJob.objects.get(pk=anchor.pk)), JobStatus.CANCELLED, timeout=120)
    finally:
        second.stop()

    for job in jobs:
        job.refresh_from_db()
        assert job.attempts == 2
        assert job.resumed_from_step is not None and job.resumed_from_step % 40 == 0
        assert job.worker.startswith("group-rescuer@localhost")
        assert job.log_entries.filter(message__contains="Resumed from the checkpoint").exists()
    for job in jobs[1:]:
        assert job.status == JobStatus.SUCCEEDED, job.error_message
        assert PromptVersion.objects.filter(job=job).count() == 1
