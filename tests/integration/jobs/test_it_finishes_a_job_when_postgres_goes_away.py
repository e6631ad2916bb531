"""PostgreSQL unreachable in the middle of a job: the worker's writes
retry with backoff, training waits, and the job succeeds on its first attempt (no
takeover) with one version, leaving no folder under MEDIA_ROOT/jobs/.

Only the worker loses the database: it reaches PostgreSQL through a proxy the test cuts,
so the test process (and every other test) keeps its connection.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from tests.support import processes
from tests.support.jobs import launch, wait_for_status
from tests.support.processes import celery_worker
from tests.support.proxy import CuttableProxy
from tests.support.waiting import wait_for
from webapp.jobs.models import JobStatus
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "gpu-postgres-outage-test"


def test_it_finishes_a_job_when_postgres_is_away_for_a_while(
    alice, ready_dataset, tiny_base_model, service_logs
) -> None:
    db = connection.settings_dict
    proxy = CuttableProxy(db["HOST"] or "127.0.0.1", int(db["PORT"]))
    through_proxy = processes.test_database_url().replace(f":{db['PORT']}/", f":{proxy.port}/")
    worker = celery_worker(service_logs, "pg-outage@localhost", queues=QUEUE, DATABASE_URL=through_proxy)
    try:
        worker.start(ready=lambda: worker.log_path.exists() and "ready." in worker.log_tail(), timeout=90)
        with override_settings(CELERY_GPU_QUEUE=QUEUE):
            job = launch(alice, ready_dataset, tiny_base_model, max_steps=600, eval_every=100)

        wait_for(lambda: job.metrics.filter(kind="eval").exists(), timeout=120, what="a first evaluation")
        # The outage lasts until a write of the job has met it and is waiting: that is the event
        # this test is about, and no fixed sleep could say it happened.
        with proxy.away():
            wait_for(lambda: "the database is unavailable" in worker.log_path.read_text(errors="replace"),
                     timeout=60, what="a write that waits for the database")
            job.refresh_from_db()
            assert job.status == JobStatus.RUNNING, "the job ended before the outage"
            assert job.step < job.total_steps, "the job ended before the outage"

        job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=300)
        # The worker removes the job's folder just after it records the result: give it that moment
        # before stopping it.
        if job.status == JobStatus.SUCCEEDED:
            wait_for(lambda: not job.work_dir.exists(), timeout=60, what="the job's folder removed")
    finally:
        worker.stop()
        proxy.close()

    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.attempts == 1
    assert PromptVersion.objects.filter(job=job).count() == 1
    assert not job.work_dir.exists()
    assert "the database is unavailable" in worker.log_path.read_text(errors="replace")
