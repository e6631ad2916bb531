"""POST /api/v1/datasets/ answers 202 at once with the upload and its status URL; a worker checks
every row, and the status URL says how far it got, why it was rejected, or which dataset it made.
No web thread processes a large file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import api_key, review_rows, write_csv
from webapp.datasets.models import Upload
from webapp.datasets.services import process_upload

pytestmark = pytest.mark.django_db


def _post(client: Client, path: Any, **fields: str) -> Any:
    with path.open("rb") as fh:
        return client.post("/api/v1/datasets/", {"file": fh, "text_column": "text", "label_column": "label",
                                                 **fields})


def test_the_answer_is_202_and_the_status_url_follows_the_worker(alice, tmp_path, django_capture_on_commit_callbacks) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = _post(client, write_csv(tmp_path / "reviews.csv", review_rows(40)), name="reviews",
                         label_map=json.dumps({"0": "negative", "1": "positive"}))
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["dataset"]) == ("processing", None)
    assert body["status_url"].endswith(f"/api/v1/uploads/{body['id']}/")
    assert len(sent) == 1, "the processing task is sent once the upload is committed"

    process_upload(body["id"])  # what the worker does with that task
    done = client.get(f"/api/v1/uploads/{body['id']}/").json()
    assert done["status"] == "done"
    assert done["dataset"]["name"] == "reviews"
    assert done["dataset"]["split_counts"] == {"train": 32, "validation": 4, "test": 4}


def test_a_rejected_upload_says_why(alice, tmp_path) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    rows = review_rows(20) + [{"text": " ", "label": "1"}]
    body = _post(client, write_csv(tmp_path / "reviews.csv", rows)).json()
    process_upload(body["id"])
    rejected = client.get(body["status_url"]).json()
    assert rejected["status"] == "rejected"
    assert rejected["problems"][0]["message"] == "The input is empty"
    assert rejected["dataset"] is None


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_a_stranger_gets_404(request, alice, tmp_path, stranger) -> None:
    body = _post(Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}"), write_csv(tmp_path / "r.csv", review_rows(20))).json()
    other = Client(HTTP_AUTHORIZATION=f"Token {api_key(request.getfixturevalue(stranger))}")
    assert other.get(f"/api/v1/uploads/{body['id']}/").status_code == 404
    assert other.get("/api/v1/uploads/not-an-id/").status_code == 404
    assert Upload.objects.count() == 1
