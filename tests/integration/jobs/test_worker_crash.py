"""A worker SIGKILLed mid-job: a new worker takes the job over, resumes from the last
checkpoint, and the job ends with exactly one prompt version."""

from __future__ import annotations

import signal

import pytest
from django.test import override_settings

from tests.support.jobs import launch, wait_for_status
from tests.support.processes import celery_worker
from tests.support.waiting import wait_for
from webapp.jobs.models import JobStatus, TuningJob
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A queue of its own, so the session's shared worker cannot take this job.
CRASH_QUEUE = "gpu-crash-test"
FAST_RECOVERY = {"JOB_HEARTBEAT_INTERVAL": "1", "JOB_HEARTBEAT_TIMEOUT": "3", "CELERY_GPU_QUEUE": CRASH_QUEUE}


def test_it_resumes_a_killed_workers_job_from_its_checkpoint(
    alice, ready_dataset, tiny_base_model, service_logs
) -> None:
    first = celery_worker(service_logs, "doomed@localhost", queues=CRASH_QUEUE, **FAST_RECOVERY)
    first.start(ready=lambda: first.log_path.exists() and "ready." in first.log_tail(), timeout=90)
    with override_settings(CELERY_GPU_QUEUE=CRASH_QUEUE):
        job = launch(alice, ready_dataset, tiny_base_model, max_steps=300, eval_every=50)

    def checkpointed() -> bool:
        return (TuningJob.objects.get(pk=job.pk).metrics.filter(kind="eval").count() >= 2)

    wait_for(checkpointed, timeout=120, what="two evaluations (and so a checkpoint)")
    first.kill(signal.SIGKILL)
    killed_at = TuningJob.objects.get(pk=job.pk).step
    assert TuningJob.objects.get(pk=job.pk).status == JobStatus.RUNNING

    second = celery_worker(service_logs, "rescuer@localhost", queues=CRASH_QUEUE, **FAST_RECOVERY)
    second.start(ready=lambda: second.log_path.exists() and "ready." in second.log_tail(), timeout=90)
    try:
        job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=300)
    finally:
        second.stop()

    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.attempts == 2
    assert job.resumed_from_step is not None
    assert 100 <= job.resumed_from_step <= killed_at
    assert job.resumed_from_step % 50 == 0
    assert job.worker.startswith("rescuer@localhost")
    assert PromptVersion.objects.filter(job=job).count() == 1
    assert PromptVersion.objects.filter(prompt=job.prompt).count() == 1
    assert job.log_entries.filter(message__contains="Resumed from the checkpoint").exists()
