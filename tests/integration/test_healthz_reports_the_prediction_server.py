"""/healthz and the home page say whether the prediction server runs; its absence alone does not make
the service "degraded" (only predict calls need it)."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from webapp.lib.prediction_calls import Keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def serving_keys(settings) -> Keys:
    settings.SERVING_NAMESPACE = f"sps:test-health:{uuid.uuid4().hex}"
    return Keys(settings.SERVING_NAMESPACE)


def test_it_reports_a_missing_server_without_turning_red(client, settings, serving_keys, celery_worker_process) -> None:
    body = client.get("/healthz").json()

    assert body["serving"]["status"] == "down"
    assert "predict calls answer 503" in body["serving"]["detail"]
    assert body["status"] == "ok"


def test_it_names_the_running_server(client, settings, serving_keys) -> None:
    redis.Redis.from_url(settings.REDIS_URL).set(serving_keys.alive, json.dumps({"host": "gpu-7", "pid": 42}), ex=30)

    body = client.get("/healthz").json()

    assert body["serving"] == {"status": "ok", "detail": "answering predict calls on gpu-7 (pid 42)"}
