"""POST /api/v1/datasets/ uploads, maps and processes in one request."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import api_key, review_rows, write_csv
from webapp.datasets.models import Dataset

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def test_it_creates_a_dataset_with_counts_and_labels(alice, tmp_path) -> None:
    path = write_csv(tmp_path / "reviews.csv", review_rows(100))
    with path.open("rb") as fh:
        response = _client(alice).post("/api/v1/datasets/", {
            "file": fh, "name": "Reviews", "input_template": "review: {text}", "label_column": "label",
            "label_map": json.dumps({"0": "negative", "1": "positive"}), "wait": "true",
        })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["task_kind"] == "classification"
    assert body["split_counts"] == {"train": 80, "validation": 10, "test": 10}
    assert body["labels"] == ["negative", "positive"]
    assert body["label_counts"] == {"negative": 50, "positive": 50}
    dataset = Dataset.objects.get(pk=body["id"])
    assert dataset.owner == alice
    assert dataset.has_split("train")

    import datasets

    train = datasets.load_from_disk(str(dataset.split_path("train")))
    assert {"input_text", "target_text", "raw_label"} <= set(train.column_names)
    assert train[0]["input_text"].startswith("review: ")


def test_it_accepts_a_text_column_and_separate_files(alice, tmp_path) -> None:
    train = write_csv(tmp_path / "train.csv", review_rows(40))
    val = write_csv(tmp_path / "val.csv", review_rows(10))
    with train.open("rb") as t, val.open("rb") as v:
        response = _client(alice).post("/api/v1/datasets/", {
            "train_file": t, "validation_file": v, "text_column": "text", "label_column": "label", "wait": "true"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["split_counts"] == {"train": 40, "validation": 10}
    assert body["input_template"] == "{text}"
    assert body["labels"] == ["0", "1"]


def test_it_lists_reads_and_deletes(alice, tmp_path, django_capture_on_commit_callbacks) -> None:
    path = write_csv(tmp_path / "reviews.csv", review_rows(20))
    client = _client(alice)
    with path.open("rb") as fh:
        created = client.post("/api/v1/datasets/", {"file": fh, "text_column": "text", "label_column": "label",
                                                     "wait": "true"}).json()
    listed = client.get("/api/v1/datasets/").json()["results"]
    assert [d["id"] for d in listed] == [created["id"]]
    assert client.get(f"/api/v1/datasets/{created['id']}/").json()["name"] == "reviews"
    storage = Dataset.objects.get(pk=created["id"]).storage_dir
    assert storage.is_dir()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/datasets/{created['id']}/")
    assert response.status_code == 204
    assert not Dataset.objects.filter(pk=created["id"]).exists()
    assert not storage.exists()
