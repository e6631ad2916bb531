"""The transfer matrix through the API: the page's cells as JSON, missing cells queued as one job
each, and another user's ids refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from tests.factories import api_key
from tests.integration.prompts.test_transfer_matrix import accuracy_run, query, setup  # noqa: F401 - fixture
from tests.support.jobs import HELD_QUEUE
from webapp.jobs.models import TuningJob

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def cell(body: dict[str, Any], version: Any, dataset: Any) -> dict[str, Any]:
    return next(c for c in body["cells"] if c["version"] == version.pk and c["dataset"] == dataset.pk)


def test_it_answers_the_matrix_as_json(alice, setup) -> None:  # noqa: F811 - the fixture
    v1, v2, movies, answers = setup["v1"], setup["v2"], setup["movies"], setup["answers"]
    accuracy_run(v1, movies, "test", 0.75)
    body = api(alice).get("/api/v1/transfer/?" + query([v1, v2], [movies, answers])).json()
    done = cell(body, v1, movies)
    assert (done["state"], done["metric_name"], done["value"], done["trained_on"]) == ("done", "accuracy", 0.75, True)
    assert cell(body, v2, movies)["state"] == "missing"
    refused = cell(body, v1, answers)
    assert refused["state"] == "refused"
    assert refused["problem"]


def test_it_queues_one_job_per_missing_cell(alice, setup) -> None:  # noqa: F811 - the fixture
    v1, v2, movies, products = setup["v1"], setup["v2"], setup["movies"], setup["products"]
    accuracy_run(v1, movies, "test", 0.75)
    before = TuningJob.objects.count()
    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        response = api(alice).post("/api/v1/transfer/evaluate-missing/",
                                   {"v": [v1.pk, v2.pk], "d": [movies.pk, products.pk], "split": "test"},
                                   content_type="application/json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert len(body["launched"]) == 3 == TuningJob.objects.count() - before
    assert cell(body, v2, products)["state"] == "queued"


def test_another_users_ids_are_refused(bob, setup) -> None:  # noqa: F811 - the fixture
    response = api(bob).get("/api/v1/transfer/?" + query([setup["v1"]], [setup["movies"]]))
    assert response.status_code == 400
    assert {d["field"] for d in response.json()["details"]} == {"v", "d"}
