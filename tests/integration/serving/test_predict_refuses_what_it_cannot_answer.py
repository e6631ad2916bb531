"""Predict calls that cannot be answered as asked get a 4xx in the one error shape naming what to
fix, before anything is queued: too many inputs, too long, missing template columns, other people's
versions and ensembles."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def test_limits_and_template_columns_are_named(alice, versions, api_as, private_queue, settings) -> None:
    client, names = private_queue
    api = api_as(alice)
    url = f"/api/v1/versions/{versions[0].pk}/predict/"
    cases = [
        ({"inputs": []}, "inputs", "Send at least one input"),
        ({"inputs": [{"text": "hi"}] * 33}, "inputs", "At most 32 inputs per call; 33 sent"),
        ({"inputs": [{"text": "fine"}, {"text": "x" * 2001}]}, "inputs.1", "inputs[1] is 2,009 characters"),
        ({"inputs": [{"title": "no text column"}]}, "inputs.0", "inputs[0] lacks 'text'"),
    ]
    for body, field, message in cases:
        response = _post(api, url, body)
        assert response.status_code == 400, body
        assert message in response.json()["error"]
        assert response.json()["details"][0]["field"] == field
    assert client.llen(names.queue) == 0


def test_a_body_without_inputs_is_a_validation_error(alice, versions, api_as) -> None:
    response = _post(api_as(alice), f"/api/v1/versions/{versions[0].pk}/predict/", {"input": "typo"})

    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "inputs"


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_strangers_get_404_for_versions_and_ensembles(request, stranger, versions, trio, api_as) -> None:
    api = api_as(request.getfixturevalue(stranger))
    body = {"inputs": [{"text": "a fine film"}]}

    assert _post(api, f"/api/v1/versions/{versions[0].pk}/predict/", body).status_code == 404
    assert _post(api, f"/api/v1/ensembles/{trio.pk}/predict/", body).status_code == 404


def test_anonymous_calls_get_401(versions, trio) -> None:
    from django.test import Client

    assert _post(Client(), f"/api/v1/versions/{versions[0].pk}/predict/", {"inputs": [{"text": "x"}]}).status_code == 401
