"""Eight clients calling at once with eight different prompts, through the real web server (Daphne)
and the real prediction server: every call is answered correctly, in fewer forward passes than calls."""

from __future__ import annotations

import json
import threading
import urllib.request

import pytest
import redis
from django.conf import settings

from webapp.lib.prediction_calls import keys, read_stats

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _call(server: str, token: str, version_id: int, text: str) -> dict:
    request = urllib.request.Request(
        f"{server}/api/v1/versions/{version_id}/predict/", data=json.dumps({"inputs": [{"text": text}]}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_concurrent_calls_share_forward_passes(alice, versions, asgi_server, prediction_server_process) -> None:
    from tests.factories import api_key

    token = api_key(alice)
    # One call first: the server loads the base model, which must not count against batching.
    first = _call(asgi_server, token, versions[0].pk, "warming up")
    client = redis.Redis.from_url(settings.REDIS_URL)
    before = read_stats(client, keys())
    start = threading.Barrier(len(versions))
    answers: dict[int, dict] = {}

    def client_of(version_id: int) -> None:
        start.wait()
        answers[version_id] = _call(asgi_server, token, version_id, f"film number {version_id}")

    threads = [threading.Thread(target=client_of, args=(v.pk,)) for v in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    after = read_stats(client, keys())
    assert first["predictions"][0]["label"] in ("negative", "positive")
    assert sorted(answers) == sorted(v.pk for v in versions)
    for version_id, answer in answers.items():
        assert answer["version"] == version_id
        assert answer["predictions"][0]["input"] == f"review: film number {version_id}"
    assert after["requests"] - before["requests"] == len(versions)
    assert after["forward_passes"] - before["forward_passes"] < len(versions)
