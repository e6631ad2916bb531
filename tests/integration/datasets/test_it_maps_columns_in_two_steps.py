"""Upload, then map columns on the upload's page; a worker checks every row and the dataset is made."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from webapp.datasets.models import Dataset, Upload
from webapp.datasets.services import process_upload

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


# A row whose premise is empty: only reading every row finds it.
NLI_WITH_AN_EMPTY_PREMISE = NLI + ",Nothing at all,1\n"


def _upload(client, content: str = NLI) -> str:
    response = client.post("/datasets/new/", {"name": "NLI", "file": SimpleUploadedFile("nli.csv", content.encode())})
    assert response.status_code == 302
    return response["Location"]


def test_it_shows_columns_rows_and_suggestions(client, alice) -> None:
    client.force_login(alice)
    page = client.get(_upload(client))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<code>premise</code>" in html
    assert "<code>hypothesis</code>" in html
    assert "A man plays a guitar" in html
    form = page.context["form"]
    assert form["input_template"].value() == "premise: {premise} hypothesis: {hypothesis}"
    assert form["label_column"].value() == "label"
    assert form["task_kind"].value() == "classification"
    assert form["label_map"].value() == "0 = 0\n1 = 1\n2 = 2"
    assert "premise: A man plays a guitar hypothesis: A man makes music" in html  # the model input


def test_it_suggests_the_column_a_typo_meant_and_keeps_the_upload(client, alice) -> None:
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


def test_it_creates_and_processes_the_dataset(client, alice) -> None:
    client.force_login(alice)
    url = _upload(client)
    response = client.post(url, {
        "name": "My NLI", "input_template": "premise: {premise} hypothesis: {hypothesis}", "label_column": "label",
        "task_kind": "classification", "label_map": "0 = entailment\n1 → neutral\n2 -> contradiction",
        "split_mode": "auto", "validation_ratio": "0.0", "test_ratio": "0.0", "seed": "1",
    })
    assert response.status_code == 302
    assert response["Location"] == url  # the upload's page now shows its progress
    upload = Upload.objects.get()
    assert upload.status == "processing"
    assert upload.mapping["label_map"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    assert not Dataset.objects.exists()  # a dataset row exists only once it is ready
    assert "Checking the data" in client.get(url).content.decode()

    with TestCase.captureOnCommitCallbacks(execute=True):
        dataset = process_upload(upload.key)  # what the worker does

    assert dataset is not None
    assert dataset.name == "My NLI"
    assert dataset.split_counts == {"train": 6}
    assert dataset.labels == ["contradiction", "entailment", "neutral"]
    assert dataset.label_counts == {"contradiction": 2, "entailment": 3, "neutral": 1}
    assert not upload.dir.exists()
    response = client.get(url)  # the upload's address now leads to the dataset
    assert response["Location"] == f"/datasets/{dataset.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert 'aria-label="Rows per label"' in html
    assert "premise: A boat on a lake hypothesis: The water is calm" in html


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # this test's uploads only
    return settings.MEDIA_ROOT


def test_it_finds_the_problems_only_processing_can_see(client, alice, media) -> None:
    client.force_login(alice)
    url = _upload(client, NLI_WITH_AN_EMPTY_PREMISE)
    client.post(url, {
        "name": "NLI", "input_template": "{premise}", "label_column": "label", "task_kind": "classification",
        "label_map": "0 = entailment\n1 = neutral\n2 = contradiction", "split_mode": "auto",
        "validation_ratio": "0.1", "test_ratio": "0.1", "seed": "1",
    })
    upload = Upload.objects.get()
    assert process_upload(upload.key) is None

    # No dataset: the upload waits, with the problems, on its mapping page.
    assert Dataset.objects.count() == 0
    assert sorted(p.name for p in upload.dir.iterdir()) == ["file.csv"]
    page = client.get(url)
    html = page.content.decode()
    assert "Checking every row found problems" in html
    assert re.search(r"<td>line 8 of nli.csv</td><td>premise</td><td>The input is empty", html)
    form = page.context["form"]  # as the user sent it, to fix and send again
    assert form["name"].value() == "NLI"
    assert form["input_template"].value() == "{premise}"
    assert form["label_map"].value() == "0 = entailment\n1 = neutral\n2 = contradiction"
    assert form["validation_ratio"].value() == 0.1
    assert form["seed"].value() == 1

    response = client.post(url, {  # the hypothesis is never empty
        "name": "NLI", "input_template": "{premise} {hypothesis}", "label_column": "label",
        "task_kind": "classification", "label_map": "0 = entailment\n1 = neutral\n2 = contradiction",
        "split_mode": "auto", "validation_ratio": "0.0", "test_ratio": "0.0", "seed": "1",
    })
    assert response["Location"] == url
    with TestCase.captureOnCommitCallbacks(execute=True):
        fixed = process_upload(upload.key)
    assert fixed is not None
    assert fixed.split_counts == {"train": 7}
    assert not upload.dir.exists()


def test_it_lists_rejected_uploads_for_their_owner_only(client, alice, bob, media) -> None:
    client.force_login(alice)
    url = _upload(client, NLI_WITH_AN_EMPTY_PREMISE)
    client.post(url, {
        "name": "Broken NLI", "input_template": "{premise}", "label_column": "label", "task_kind": "classification",
        "label_map": "0 = entailment\n1 = neutral\n2 = contradiction", "split_mode": "auto", "validation_ratio": "0.1", "test_ratio": "0.1",
        "seed": "1",
    })
    upload = Upload.objects.get()
    process_upload(upload.key)

    html = client.get("/datasets/").content.decode()
    assert "Uploads not yet a dataset" in html
    assert f'href="{url}">Broken NLI</a>' in html
    assert "Broken NLI</a>: rejected, " in html

    client.force_login(bob)
    assert "Broken NLI" not in client.get("/datasets/").content.decode()
    assert client.get(url).status_code == 404
