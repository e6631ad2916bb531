"""Work whose queue message is lost (Redis down at launch, Redis restarted empty) is sent again by
the reconciler and runs; the launch itself never fails on a broker outage.

Each test has a private Redis as broker, so taking it away leaves the session's Redis alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.test import override_settings
from django.utils import timezone

from tests.support.jobs import launch, wait_for_status
from tests.support.processes import ServiceProcess, celery_worker, free_port, redis_server
from webapp.core.reconcile import resend_lost_work
from webapp.jobs.models import JobStatus, TuningJob

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "gpu-lost-messages-test"


class PrivateBroker:
    def __init__(self, service_logs) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server = redis_server(service_logs, self.port)
        self.logs = service_logs

    def start(self) -> None:
        self.server.start(ready=self.answers, timeout=30)

    def restart_empty(self) -> None:
        redis.Redis.from_url(self.url).shutdown(nosave=True)
        self.server.process.wait(timeout=10)  # type: ignore[union-attr]
        self.start()

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except redis.RedisError:
            return False

    def worker(self) -> ServiceProcess:
        worker = celery_worker(self.logs, f"lost-{self.port}@localhost", queues=f"{QUEUE},default", REDIS_URL=self.url)
        worker.start(ready=lambda: "ready." in worker.log_tail(), timeout=90)
        return worker


@pytest.fixture
def broker(service_logs) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(service_logs)
    with override_settings(CELERY_BROKER_URL=broker.url, CELERY_GPU_QUEUE=QUEUE):
        yield broker
    broker.server.stop()


def age(job: TuningJob) -> None:
    """As if the reconciler ran later than RESEND_LOST_WORK_AFTER."""
    TuningJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))


def test_a_job_launched_while_redis_is_down_runs_once_it_is_back(alice, ready_dataset, tiny_base_model,
                                                                 broker) -> None:
    job = launch(alice, ready_dataset, tiny_base_model, max_steps=20)  # no broker: nothing raised
    assert job.status == JobStatus.QUEUED
    age(job)
    assert resend_lost_work().jobs == [], "nothing can be sent while the broker is down"

    broker.start()
    worker = broker.worker()  # its start-up reconciles with the database's truth
    try:
        job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=180)
    finally:
        worker.stop()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.log_entries.filter(message__contains="sent again").exists()


def test_queued_jobs_survive_a_redis_restart(alice, ready_dataset, tiny_base_model, broker) -> None:
    broker.start()
    jobs = [launch(alice, ready_dataset, tiny_base_model, max_steps=10, prompt_name=f"p{i}") for i in range(2)]
    assert redis.Redis.from_url(broker.url).llen(QUEUE) == 2
    broker.restart_empty()
    for job in jobs:
        age(job)

    assert sorted(resend_lost_work().jobs) == sorted(j.pk for j in jobs)
    assert resend_lost_work().jobs == [], "messages now waiting are not sent twice"
    worker = broker.worker()
    try:
        for job in jobs:
            assert wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=180).status == JobStatus.SUCCEEDED
    finally:
        worker.stop()
