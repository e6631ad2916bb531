"""Redis shut down (without saving) in the middle of a job: live announcements are dropped
and logged, and the job still ends with its prompt version.

The job runs on a worker whose broker and channel layer are a private Redis, so taking it
away leaves the session's Redis to the other tests.
"""

from __future__ import annotations

import pytest
import redis
from django.test import override_settings

from tests.support.jobs import launch, wait_for_status
from tests.support.processes import celery_worker, free_port, redis_server
from tests.support.waiting import wait_for
from webapp.jobs.models import JobStatus
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "gpu-redis-outage-test"


def test_it_finishes_a_job_when_redis_shuts_down_mid_job(
    alice, ready_dataset, tiny_base_model, service_logs
) -> None:
    port = free_port()
    private_url = f"redis://127.0.0.1:{port}/0"
    server = redis_server(service_logs, port)
    server.start(ready=lambda: _answers(private_url), timeout=30)
    worker = celery_worker(service_logs, "outage@localhost", queues=QUEUE, REDIS_URL=private_url)
    try:
        worker.start(ready=lambda: worker.log_path.exists() and "ready." in worker.log_tail(), timeout=90)
        # The row through the service (its message lands on a queue nobody reads in the session's
        # Redis), the task through the private Redis the worker listens on.
        with override_settings(CELERY_GPU_QUEUE=QUEUE):
            job = launch(alice, ready_dataset, tiny_base_model, max_steps=600, eval_every=100)
        _send_to(private_url, job.pk)

        wait_for(lambda: job.metrics.filter(kind="eval").exists(), timeout=120, what="a first evaluation")
        redis.Redis.from_url(private_url).shutdown(nosave=True)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING, "the job ended before Redis went"
        assert job.step < job.total_steps, "the job ended before Redis went"

        job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=300)
        # The worker removes the job's folder after it records the result: await that, as a
        # check right after the status races it (it did in CI).
        if job.status == JobStatus.SUCCEEDED:
            wait_for(lambda: not job.work_dir.exists(), timeout=60, what="the job's folder removed")
    finally:
        worker.stop()
        server.stop()

    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.attempts == 1
    assert PromptVersion.objects.filter(job=job).count() == 1
    # The first announcement to fail may be the job's or its owner's (whichever the worker sent
    # first after Redis went); the rest are quiet for a few seconds, and a short job may end in them.
    assert "dropped: the channel layer failed" in worker.log_path.read_text(errors="replace")


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.RedisError:
        return False


def _send_to(broker_url: str, job_id: int) -> None:
    from workers.celery import app

    with app.connection_for_write(broker_url) as connection:
        app.send_task("workers.tasks.gpu_train_job_task", args=[job_id], queue=QUEUE, connection=connection)
