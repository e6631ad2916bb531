"""The sweeps API launches, lists, reads and cancels; pages and API show a sweep to its owner only."""

from __future__ import annotations

import pytest

from tests.factories import api_key, make_ready_dataset
from tests.support.accounts import logged_in
from webapp.jobs.models import JobStatus, TuningJob
from webapp.sweeps.models import Sweep

pytestmark = pytest.mark.django_db

BODY = {"name": "seeds", "recipe": {"batch_size": 8, "max_steps": 20, "eval_every": 10, "max_input_length": 32},
        "axes": {"prompt_length": [2, 4], "seed": [0, 1]}}


def _api(client, user):
    key = api_key(user)
    return lambda method, url, body=None: getattr(client, method)(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")


def test_the_api_launches_reads_and_cancels_a_sweep(client, alice, tiny_base):
    dataset = make_ready_dataset(alice)
    call = _api(client, alice)
    response = call("post", "/api/v1/sweeps/", {**BODY, "dataset": dataset.pk, "base_model": tiny_base.pk})
    assert response.status_code == 201, response.json()
    sweep = response.json()
    assert (sweep["status"], sweep["runs"], sweep["counts"]) == ("queued", 4, {"queued": 4})
    assert [r["coordinates"] for r in sweep["results"]][:2] == [{"prompt_length": 2, "seed": 0},
                                                               {"prompt_length": 2, "seed": 1}]
    assert sweep["panels"] == [{"x_axis": "prompt_length", "line_axis": None, "log_x": True,
                                "lines": {"all runs": []}}]  # no run has a metric yet

    assert [s["name"] for s in call("get", "/api/v1/sweeps/").json()["results"]] == ["seeds"]
    cancelled = call("post", f"/api/v1/sweeps/{sweep['id']}/cancel/")
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    assert set(TuningJob.objects.values_list("status", flat=True)) == {JobStatus.CANCELLED}


def test_the_api_names_what_to_fix(client, alice, tiny_base):
    dataset = make_ready_dataset(alice)
    call = _api(client, alice)
    response = call("post", "/api/v1/sweeps/", {**BODY, "dataset": dataset.pk, "base_model": tiny_base.pk,
                                                 "axes": {"init": ["class_labels"], "prompt_length": [1]}})
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "axes"
    assert "2 labels and only 1 prompt" in response.json()["error"]
    assert Sweep.objects.count() == 0


def test_a_sweep_is_its_owners_alone(client, alice, bob, tiny_base):
    dataset = make_ready_dataset(alice)
    assert _api(client, alice)("post", "/api/v1/sweeps/", {**BODY, "dataset": dataset.pk,
                                                           "base_model": tiny_base.pk}).status_code == 201
    sweep = Sweep.objects.get()
    # bob may not read it, cancel it, or launch one on alice's dataset
    bobs = _api(client, bob)
    assert bobs("get", f"/api/v1/sweeps/{sweep.pk}/").status_code == 404
    assert bobs("post", f"/api/v1/sweeps/{sweep.pk}/cancel/").status_code == 404
    assert bobs("get", "/api/v1/sweeps/").json()["results"] == []
    refused = bobs("post", "/api/v1/sweeps/", {**BODY, "name": "mine", "dataset": dataset.pk,
                                               "base_model": tiny_base.pk})
    assert (refused.status_code, refused.json()["details"][0]["field"]) == (400, "dataset")
    page = logged_in(bob)
    assert page.get(f"/sweeps/{sweep.pk}/").status_code == 404
    assert page.post(f"/sweeps/{sweep.pk}/cancel/").status_code == 404
    assert f"/sweeps/{sweep.pk}/" not in page.get("/sweeps/").content.decode()
    assert logged_in(alice).get(f"/sweeps/{sweep.pk}/").status_code == 200
