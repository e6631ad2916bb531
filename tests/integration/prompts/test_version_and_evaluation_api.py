"""The API reads a version (and changes its notes and tags) and pages through an evaluation's
predictions with the evaluation page's filters; strangers get 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import api_key

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def test_it_reads_a_version_and_changes_its_notes_and_tags(alice, bob, lineage_versions) -> None:
    version = lineage_versions[0]
    client = api(alice)
    body = client.get(f"/api/v1/versions/{version.pk}/").json()
    assert (body["id"], body["prompt"]["id"], body["tags"]) == (version.pk, version.prompt_id, [])
    assert body["page_url"] == f"/prompts/versions/{version.pk}/"

    response = client.patch(f"/api/v1/versions/{version.pk}/", {"tags": ["production", "baseline"]},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["production", "baseline"]
    response = client.patch(f"/api/v1/versions/{version.pk}/", {"notes": "best on test"},
                            content_type="application/json")
    assert response.json()["tags"] == ["production", "baseline"]  # left out: unchanged
    version.refresh_from_db()
    assert version.notes == "best on test"

    refused = client.patch(f"/api/v1/versions/{version.pk}/", {"tags": ["x" * 41]}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["details"][0]["field"] == "tags"

    stranger = api(bob)
    assert stranger.get(f"/api/v1/versions/{version.pk}/").status_code == 404
    assert stranger.patch(f"/api/v1/versions/{version.pk}/", {"notes": "mine"},
                          content_type="application/json").status_code == 404


def test_it_pages_and_filters_an_evaluations_predictions(alice, bob, rank_run) -> None:
    client = api(alice)
    body = client.get(f"/api/v1/evaluations/{rank_run.pk}/", {"per_page": 10}).json()
    assert (body["total"], body["matching"], body["num_pages"], len(body["predictions"])) == (120, 120, 12, 10)
    assert body["metrics"]["accuracy"] == rank_run.metrics["accuracy"]

    wrong = client.get(f"/api/v1/evaluations/{rank_run.pk}/", {"errors_only": "true", "per_page": 500}).json()
    assert wrong["matching"] == 30
    assert all(not p["correct"] for p in wrong["predictions"])

    unsure = client.get(f"/api/v1/evaluations/{rank_run.pk}/", {"sort": "confidence", "per_page": 3}).json()
    confidences = [p["confidence"] for p in unsure["predictions"]]
    assert confidences == sorted(confidences)

    bad = client.get(f"/api/v1/evaluations/{rank_run.pk}/", {"gold": "maybe"})
    assert bad.status_code == 400
    assert bad.json()["details"][0]["field"] == "gold"
    assert api(bob).get(f"/api/v1/evaluations/{rank_run.pk}/").status_code == 404


@pytest.mark.parametrize("body", ['["notes", "x"]', '"notes"', "3", "null"])
def test_a_body_that_is_not_a_json_object_is_refused(alice, lineage_versions, body: str) -> None:
    """Every field of the PATCH is optional: a list or a string must not pass as an empty change."""
    version = lineage_versions[0]
    response = api(alice).patch(f"/api/v1/versions/{version.pk}/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "The body is not a JSON object", "details": []}
