"""The schema-checked API answers every client mistake in the one shape, naming the field:
400 for a wrong type or a missing field, 404, 405, 409, and a session's writes need CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from tests.factories import api_key, make_ready_dataset
from tests.support.jobs import launch_held
from webapp.jobs.models import JobStatus, TuningJob

pytestmark = pytest.mark.django_db


def _shape(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "details"}, body
    return body


@pytest.fixture
def api(alice) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")


def test_a_wrong_type_is_400_naming_the_field(api) -> None:
    response = api.post("/api/v1/jobs/", {"dataset": 1, "base_model": 1, "prompt_length": "many"},
                        content_type="application/json")
    assert response.status_code == 400
    details = _shape(response)["details"]
    assert {d["field"] for d in details} >= {"prompt_length", "init", "learning_rate"}
    assert all(d["message"] for d in details)


def test_a_body_that_is_not_json_is_400(api) -> None:
    response = api.post("/api/v1/jobs/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert _shape(response)["error"] == "The body is not valid JSON"


def test_a_bad_query_parameter_is_400_naming_it(api) -> None:
    response = api.get("/api/v1/jobs/?status=sleeping")
    assert response.status_code == 400
    assert [d["field"] for d in _shape(response)["details"]] == ["status"]


def test_a_strangers_object_and_a_non_numeric_id_are_404(api, bob) -> None:
    bobs = make_ready_dataset(bob, "bob's")
    assert api.get(f"/api/v1/datasets/{bobs.pk}/").status_code == 404
    assert _shape(api.get(f"/api/v1/datasets/{bobs.pk}/"))["error"] == "Not found"
    assert _shape(api.get("/api/v1/datasets/abc/"))["error"] == "Not found"


def test_a_wrong_method_is_405_with_allow(api) -> None:
    response = api.patch("/api/v1/jobs/1/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, DELETE"
    assert _shape(response)["error"] == "Method PATCH not allowed; use GET, DELETE"


def test_cancelling_an_ended_job_is_409(alice, api, tiny_base_model) -> None:
    job = launch_held(alice, make_ready_dataset(alice), tiny_base_model)
    TuningJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    response = api.post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert response.status_code == 409
    assert _shape(response)["error"].startswith(f"Job {job.pk} already ended")


def test_a_session_write_passes_with_the_csrf_token(alice, tiny_base_model) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    without = client.post("/api/v1/jobs/", {}, content_type="application/json")
    assert without.status_code == 403
    assert _shape(without)["error"].startswith("CSRF check failed")

    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token
    dataset = make_ready_dataset(alice)
    with_token = client.post("/api/v1/jobs/", {
        "dataset": dataset.pk, "base_model": tiny_base_model.pk, "prompt_name": "via session", "prompt_length": 4,
        "init": "random", "learning_rate": 0.3, "batch_size": 4, "max_steps": 4, "eval_every": 2,
        "max_input_length": 32, "seed": 0}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert with_token.status_code == 201, with_token.content
    assert with_token.json()["prompt"]["name"] == "via session"
