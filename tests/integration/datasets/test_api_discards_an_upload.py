"""DELETE /api/v1/uploads/{id}/ discards a rejected upload and its files at once (not at the
staging sweep); an upload that made a dataset points at the dataset instead, and a stranger gets 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories import api_key, review_rows, write_csv
from webapp.datasets.models import Upload
from webapp.datasets.services import process_upload

pytestmark = pytest.mark.django_db


def _upload(client: Client, rows: list[dict[str, str]], tmp_path: Path) -> dict[str, Any]:
    with write_csv(tmp_path / "reviews.csv", rows).open("rb") as fh:
        body = client.post("/api/v1/datasets/", {"file": fh, "text_column": "text", "label_column": "label"}).json()
    process_upload(body["id"])
    return client.get(body["status_url"]).json()


def test_a_rejected_upload_is_discarded_with_its_files(alice, bob, tmp_path, django_capture_on_commit_callbacks) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    rejected = _upload(client, review_rows(20) + [{"text": " ", "label": "1"}], tmp_path)
    assert rejected["status"] == "rejected"
    directory = Upload.objects.get(pk=rejected["id"]).dir
    assert directory.exists()

    stranger = Client(HTTP_AUTHORIZATION=f"Token {api_key(bob)}")
    assert stranger.delete(f"/api/v1/uploads/{rejected['id']}/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/uploads/{rejected['id']}/").status_code == 204
    assert not Upload.objects.filter(pk=rejected["id"]).exists()
    assert not directory.exists()
    assert client.get(rejected["status_url"]).status_code == 404


def test_an_upload_that_made_a_dataset_names_the_dataset(alice, tmp_path) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    done = _upload(client, review_rows(20), tmp_path)
    assert done["status"] == "done"

    response = client.delete(f"/api/v1/uploads/{done['id']}/")
    assert response.status_code == 409
    assert f"DELETE /api/v1/datasets/{done['dataset']['id']}/" in response.json()["error"]
    assert Upload.objects.filter(pk=done["id"]).exists()
