"""PostgreSQL unreachable while an evaluation job scores: its progress and result writes retry with
backoff, as training's do, and the job ends with its results on its first attempt.

Only the worker loses the database (through a proxy the test cuts), as in the training test."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from tests.factories import make_ready_dataset, make_version
from tests.support import processes
from tests.support.jobs import launch_held, outlasts
from tests.support.processes import celery_worker
from tests.support.proxy import CuttableProxy
from tests.support.waiting import wait_for
from tuning_core.task import TaskKind
from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.models import EvalRun, Prompt

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "gpu-evaluation-outage-test"


def test_an_evaluation_finishes_through_a_database_outage(alice, tiny_base_model, service_logs) -> None:
    # Generation scores token by token: seconds for these rows, so the cut falls while it scores.
    dataset = make_ready_dataset(alice, train=8, validation=8, test=1500, task_kind=TaskKind.GENERATION)
    trained_on = cancel_job(launch_held(alice, dataset, tiny_base_model, prompt_name="sentiment", init="vocab"))
    version = make_version(Prompt.objects.get(name="sentiment"), seed=1, accuracy=0.7, job=trained_on)

    db = connection.settings_dict
    proxy = CuttableProxy(db["HOST"] or "127.0.0.1", int(db["PORT"]))
    through_proxy = processes.test_database_url().replace(f":{db['PORT']}/", f":{proxy.port}/")
    worker = celery_worker(service_logs, "eval-outage@localhost", queues=QUEUE, DATABASE_URL=through_proxy,
                           JOB_PROGRESS_MAX_RATE="20")
    try:
        worker.start(ready=lambda: worker.log_path.exists() and "ready." in worker.log_tail(), timeout=90)
        with override_settings(CELERY_GPU_QUEUE=QUEUE):
            job = launch_evaluation(alice, version, dataset, "test")
        # Cut while it scores: its progress writes (and, if it ends meanwhile, its result) must wait.
        wait_for(lambda: TuningJob.objects.get(pk=job.pk).step > 0, timeout=120, what="the evaluation scoring")
        job = outlasts(job, proxy, lambda: "the database is unavailable" in worker.log_path.read_text(errors="replace"),
                       "a write that waits for the database", timeout=60, ends_within=180)
    finally:
        worker.stop()
        proxy.close()

    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.attempts == 1
    assert EvalRun.objects.filter(job=job).count() == 1
