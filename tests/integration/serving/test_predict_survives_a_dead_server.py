"""A prediction server killed mid-service: waiting calls end with 504 (never hang), a restarted server
drops the calls whose askers gave up instead of answering them late, and answers new ones."""

from __future__ import annotations

import signal
import uuid

import pytest
import redis

from tests.support.processes import prediction_server
from webapp.lib.prediction_calls import Keys, read_stats

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

BODY = {"inputs": [{"text": "a fine film"}]}


def test_calls_end_and_the_restarted_server_skips_abandoned_ones(alice, versions, api_as, settings,
                                                                  service_logs) -> None:
    settings.SERVING_NAMESPACE = f"sps:test-dead:{uuid.uuid4().hex}"
    names = Keys(settings.SERVING_NAMESPACE)
    client = redis.Redis.from_url(settings.REDIS_URL)
    api = api_as(alice)
    url = f"/api/v1/versions/{versions[0].pk}/predict/"

    def start():
        server = prediction_server(service_logs, SERVING_NAMESPACE=names.namespace)
        server.start(ready=lambda: bool(client.exists(names.alive)), timeout=60)
        return server

    server = start()
    assert api.post(url, BODY, content_type="application/json").status_code == 200
    server.kill(signal.SIGKILL)  # no goodbye: its liveness key stays until it expires
    settings.SERVING_REPLY_TIMEOUT_S = 3

    abandoned = api.post(url, BODY, content_type="application/json")
    assert abandoned.status_code == 504
    assert "did not answer within 3 s" in abandoned.json()["error"]
    assert client.llen(names.queue) == 1

    settings.SERVING_REPLY_TIMEOUT_S = 30  # the new server loads the model on its first call
    server = start()
    try:
        assert api.post(url, BODY, content_type="application/json").status_code == 200
        assert client.llen(names.queue) == 0
        assert read_stats(client, names)["requests"] == 2  # the first call and the last: not the abandoned one
    finally:
        server.stop()
        client.delete(names.queue, names.alive, names.stats)
