"""Upload, then map columns on a second page; the dataset is created and processed."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.datasets.models import Dataset, DatasetStatus
from webapp.datasets.services import process_dataset, staging_root

pytestmark = pytest.mark.django_db

NLI = (
    "premise,hypothesis,label\n"
    "A man plays a guitar,A man makes music,0\n"
    "A dog runs in a park,A cat sleeps,2\n"
    "Two women talk,People are speaking,0\n"
    "A child reads,Nobody is reading,2\n"
    "A boat on a lake,The water is calm,1\n"
    "A chef cooks,Food is being made,0\n"
)


def _upload(client) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/datasets/new/", {"name": "NLI", "file": SimpleUploadedFile("nli.csv", NLI.encode())})
    assert response.status_code == 302
    return response["Location"]


def test_it_shows_columns_rows_and_suggestions(client, alice) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    page = client.get(_upload(client))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<code>premise</code>" in html and "<code>hypothesis</code>" in html
    assert "A man plays a guitar" in html
    form = page.context["form"]
    assert form["input_template"].value() == "premise: {premise} hypothesis: {hypothesis}"
    assert form["label_column"].value() == "label"
    assert form["task_kind"].value() == "classification"
    assert form["label_map"].value() == "0 = 0\n1 = 1\n2 = 2"
    assert "premise: A man plays a guitar hypothesis: A man makes music" in html  # the model input


def test_it_suggests_the_column_a_typo_meant_and_keeps_the_upload(client, alice) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    url = _upload(client)
    response = client.post(url, {
        "name": "NLI", "input_template": "premise: {premise} hypothesis: {hypotesis}", "label_column": "label",
        "task_kind": "classification", "label_map": "0 = entailment\n1 = neutral\n2 = contradiction",
        "split_mode": "auto", "validation_ratio": "0.2", "test_ratio": "0.2", "seed": "1",
    })
    assert response.status_code == 400
    assert "did you mean &#x27;hypothesis&#x27;?" in response.content.decode()
    assert Dataset.objects.count() == 0
    assert client.get(url).status_code == 200  # still there to fix the mapping


def test_it_creates_and_processes_the_dataset(client, alice) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    url = _upload(client)
    staging_id = url.rstrip("/").rsplit("/", 1)[-1]
    response = client.post(url, {
        "name": "My NLI", "input_template": "premise: {premise} hypothesis: {hypothesis}", "label_column": "label",
        "task_kind": "classification", "label_map": "0 = entailment\n1 → neutral\n2 -> contradiction",
        "split_mode": "auto", "validation_ratio": "0.0", "test_ratio": "0.0", "seed": "1",
    })
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert response["Location"] == f"/datasets/{dataset.pk}/"
    assert dataset.status == DatasetStatus.VALIDATING
    assert dataset.label_map == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    assert not (staging_root() / staging_id).exists()
    assert "Checking the data" in client.get(response["Location"]).content.decode()

    process_dataset(dataset.pk)  # what the worker does

    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.READY
    assert dataset.split_counts == {"train": 6}
    assert dataset.labels == ["contradiction", "entailment", "neutral"]
    assert dataset.label_counts == {"contradiction": 2, "entailment": 3, "neutral": 1}
    html = client.get(response["Location"]).content.decode()
    assert 'aria-label="Rows per label"' in html
    assert "premise: A boat on a lake hypothesis: The water is calm" in html


def test_it_finds_the_problems_only_processing_can_see(client, alice) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    url = _upload(client)
    client.post(url, {
        "name": "NLI", "input_template": "{premise}", "label_column": "label", "task_kind": "classification",
        "label_map": "0 = entailment\n2 = contradiction", "split_mode": "auto", "validation_ratio": "0.1",
        "test_ratio": "0.1", "seed": "1",
    })
    dataset = Dataset.objects.get()
    process_dataset(dataset.pk)
    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.INVALID
    assert dataset.problems == [{"file": "nli.csv", "row": 5, "column": "label", "severity": "error",
                                 "message": "Label '1' has no entry in the label map (known: '0', '2')"}]
    assert not dataset.storage_dir.exists()
    html = client.get(f"/datasets/{dataset.pk}/").content.decode()
    assert "This dataset cannot be used" in html
    assert re.search(r"<td>nli.csv</td><td>5</td><td>label</td>", html)
