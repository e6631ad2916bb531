"""Deleting a dataset is refused, with a clear message, while a tuning job uses it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key, make_dataset
from webapp.datasets.models import Dataset

pytestmark = pytest.mark.django_db


def _job(dataset: Dataset, status: str):
    from webapp.basemodels.models import BaseModel
    from webapp.jobs.models import TuningJob
    from webapp.prompts.models import Prompt

    base = BaseModel.objects.create(name="tiny", source="/nowhere", d_model=8, num_layers=1, num_parameters=1,
                                    vocab_size=10)
    prompt = Prompt.objects.create(owner=dataset.owner, name="p", base_model=base)
    return TuningJob.objects.create(owner=dataset.owner, dataset=dataset, base_model=base, prompt=prompt,
                                    prompt_config={}, train_config={}, status=status)


def test_the_page_refuses_while_a_job_runs(client, alice, tmp_path) -> None:
    dataset = make_dataset(alice, tmp_path)
    _job(dataset, "running")
    client.force_login(alice)
    response = client.post(f"/datasets/{dataset.pk}/delete/", follow=True)
    assert "is used by 1 queued or running tuning job; cancel or wait for them before deleting it" in \
        response.content.decode()
    assert Dataset.objects.filter(pk=dataset.pk).exists()
    assert dataset.storage_dir.is_dir()


def test_the_api_answers_409(alice, tmp_path) -> None:
    dataset = make_dataset(alice, tmp_path)
    _job(dataset, "queued")
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    response = api.delete(f"/api/v1/datasets/{dataset.pk}/")
    assert response.status_code == 409
    assert "queued or running tuning job" in response.json()["error"]


def test_a_finished_job_still_protects_it(client, alice, tmp_path) -> None:
    dataset = make_dataset(alice, tmp_path)
    job = _job(dataset, "succeeded")
    client.force_login(alice)
    response = client.post(f"/datasets/{dataset.pk}/delete/", follow=True)
    html = response.content.decode()
    assert f"is kept because tuning job #{job.pk} trained on it; delete those jobs first" in html
    assert f'href="/jobs/{job.pk}/"' in html, "the page links the job that holds it"
    assert Dataset.objects.filter(pk=dataset.pk).exists()

    client.post(f"/jobs/{job.pk}/delete/")  # no dead end: the job goes, then the dataset can
    client.post(f"/datasets/{dataset.pk}/delete/")
    assert not Dataset.objects.filter(pk=dataset.pk).exists()


def test_an_unused_dataset_is_deleted_with_its_files(client, alice, tmp_path,
                                                     django_capture_on_commit_callbacks) -> None:
    dataset = make_dataset(alice, tmp_path)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/datasets/{dataset.pk}/delete/")
    assert response["Location"] == "/datasets/"
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    assert not dataset.storage_dir.exists()
