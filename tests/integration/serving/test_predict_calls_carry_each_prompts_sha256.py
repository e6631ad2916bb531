"""A predict call names each prompt file with its recorded sha256, so a prediction server that
fetches the file from object storage checks its copy before answering with it."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_the_queued_call_carries_the_sha256(alice, versions, api_as, private_queue, settings) -> None:
    client, names = private_queue
    client.set(names.alive, "{}", ex=30)  # a server that is up but takes nothing: the call stays queued
    settings.SERVING_REPLY_TIMEOUT_S = 1

    response = api_as(alice).post(f"/api/v1/versions/{versions[0].pk}/predict/", {"inputs": [{"text": "fine"}]},
                                  content_type="application/json")

    assert response.status_code == 504
    part = json.loads(client.lindex(names.queue, 0))["parts"][0]
    assert part["prompts"] == [versions[0].tensor_file]
    assert part["sha256s"] == [versions[0].sha256]
