"""Upload, then map columns on a second page; the dataset is created and processed."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.datasets.models import Dataset, DatasetStatus
from webapp.datasets.services import process_dataset
from webapp.datasets.staging import staging_root

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


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # this test's stagings only
    return settings.MEDIA_ROOT


def test_it_finds_the_problems_only_processing_can_see(
    client, alice, media, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    url = _upload(client, NLI_WITH_AN_EMPTY_PREMISE)
    client.post(url, {
        "name": "NLI", "input_template": "{premise}", "label_column": "label", "task_kind": "classification",
        "label_map": "0 = entailment\n1 = neutral\n2 = contradiction", "split_mode": "auto",
        "validation_ratio": "0.1", "test_ratio": "0.1", "seed": "1",
    })
    dataset = Dataset.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert process_dataset(dataset.pk) is None

    # No row and no dataset files: the upload waits, with the problems, on a new mapping page.
    assert Dataset.objects.count() == 0
    assert not dataset.storage_dir.exists()
    [staging] = [s for s in staging_root().iterdir()]
    assert sorted(p.name for p in staging.iterdir()) == ["file.csv", "manifest.json"]
    response = client.get(f"/datasets/{dataset.pk}/")  # the old address leads there
    assert response.status_code == 302
    assert response["Location"] == f"/datasets/new/{staging.name}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Checking every row found problems" in html
    assert re.search(r"<td>line 8 of nli.csv</td><td>premise</td><td>The input is empty", html)
    form = page.context["form"]  # as the user sent it, to fix and send again
    assert form["name"].value() == "NLI"
    assert form["input_template"].value() == "{premise}"
    assert form["label_map"].value() == "0 = entailment\n1 = neutral\n2 = contradiction"
    assert form["validation_ratio"].value() == 0.1
    assert form["seed"].value() == 1

    response = client.post(page.request["PATH_INFO"], {  # the hypothesis is never empty
        "name": "NLI", "input_template": "{premise} {hypothesis}", "label_column": "label",
        "task_kind": "classification", "label_map": "0 = entailment\n1 = neutral\n2 = contradiction",
        "split_mode": "auto", "validation_ratio": "0.0", "test_ratio": "0.0", "seed": "1",
    })
    fixed = Dataset.objects.get()
    assert response["Location"] == f"/datasets/{fixed.pk}/"
    assert process_dataset(fixed.pk) is not None
    fixed.refresh_from_db()
    assert fixed.status == DatasetStatus.READY
    assert fixed.split_counts == {"train": 7}
    assert not any(staging_root().iterdir())


def test_it_lists_rejected_uploads_for_their_owner_only(client, alice, bob, media) -> None:
    client.force_login(alice)
    client.post(_upload(client, NLI_WITH_AN_EMPTY_PREMISE), {
        "name": "Broken NLI", "input_template": "{premise}", "label_column": "label", "task_kind": "classification",
        "label_map": "0 = entailment\n1 = neutral\n2 = contradiction", "split_mode": "auto", "validation_ratio": "0.1", "test_ratio": "0.1",
        "seed": "1",
    })
    dataset = Dataset.objects.get()
    process_dataset(dataset.pk)
    [staging] = [s.name for s in staging_root().iterdir()]

    html = client.get("/datasets/").content.decode()
    assert "Uploads waiting for a mapping" in html
    assert f'href="/datasets/new/{staging}/">Broken NLI</a>' in html
    assert "Broken NLI</a>: rejected, " in html

    client.force_login(bob)
    assert "Broken NLI" not in client.get("/datasets/").content.decode()
    assert client.get(f"/datasets/{dataset.pk}/").status_code == 404
    assert client.get(f"/datasets/new/{staging}/").status_code == 404
