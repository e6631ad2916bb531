from __future__ import annotations

import pytest

from workers.tasks import ping_task

pytestmark = pytest.mark.worker


def test_it_runs_a_task_on_a_real_worker(celery_worker_process) -> None:
    result = ping_task.delay().get(timeout=30)
    assert result["pong"] is True


def test_it_configures_long_task_safety() -> None:
    from workers.celery import app

    conf = app.conf
    assert conf.task_acks_late
    assert conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_serializer == "json"
