"""A full prediction queue answers 429 with Retry-After and leaves the queue as it was; no running
prediction server answers 503 at once, without queueing the call."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.django_db

BODY = {"inputs": [{"text": "a fine film"}]}


def test_a_full_queue_answers_429_with_retry_after(alice, versions, api_as, private_queue, settings) -> None:
    client, names = private_queue
    settings.SERVING_QUEUE_LIMIT = 2
    client.set(names.alive, "{}", ex=30)  # a server that is up but busy: it pops nothing meanwhile
    waiting = [json.dumps({"id": f"earlier-{i}", "expires_at": time.time() + 60}) for i in range(2)]
    client.rpush(names.queue, *waiting)

    response = api_as(alice).post(f"/api/v1/versions/{versions[0].pk}/predict/", BODY,
                                  content_type="application/json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "2 calls waiting" in response.json()["error"]
    assert [m.decode() for m in client.lrange(names.queue, 0, -1)] == waiting


def test_no_server_answers_503_without_queueing(alice, versions, api_as, private_queue) -> None:
    client, names = private_queue

    response = api_as(alice).post("/api/v1/ensembles/0/predict/", BODY, content_type="application/json")
    assert response.status_code == 404

    response = api_as(alice).post(f"/api/v1/versions/{versions[0].pk}/predict/", BODY,
                                  content_type="application/json")

    assert response.status_code == 503
    assert "prediction server is not running" in response.json()["error"]
    assert response["Retry-After"] == "5"
    assert client.llen(names.queue) == 0
