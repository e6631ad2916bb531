"""A version is evaluated on another dataset by an evaluation job on a real worker; incompatible
datasets are refused with a message naming the mismatch; strangers get 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key, make_ready_dataset
from tests.support.jobs import launch_held, wait_for_status
from webapp.datasets.models import Dataset
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.models import EvalRun, PromptVersion

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.worker
def test_a_worker_evaluates_a_version_on_another_dataset(alice, lineage_versions, celery_worker_process) -> None:
    version = lineage_versions[0]
    other = make_ready_dataset(alice, name="other reviews", train=8, validation=4, test=12)

    response = logged_in(alice).post(f"/prompts/versions/{version.pk}/evaluate/", {"dataset": other.pk, "split": "test"})

    assert response.status_code == 302
    job = TuningJob.objects.get(method="evaluation")
    assert response["Location"] == f"/jobs/{job.pk}/"
    job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    run = EvalRun.objects.get(job=job)
    assert (run.prompt_version_id, run.dataset_id, run.split, run.num_examples) == (version.pk, other.pk, "test", 12)
    assert "accuracy" in run.metrics
    page = logged_in(alice).get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/prompts/evaluations/{run.pk}/"' in page


def _trained_on(version: PromptVersion, dataset: Dataset, alice, tiny_base) -> None:
    job = cancel_job(launch_held(alice, dataset, tiny_base, prompt_name="trained-on"))
    PromptVersion.objects.filter(pk=version.pk).update(job=job)
    version.refresh_from_db()


def test_it_refuses_other_label_words(alice, lineage_versions, tiny_base) -> None:
    version = lineage_versions[0]
    _trained_on(version, make_ready_dataset(alice), alice, tiny_base)
    other = make_ready_dataset(alice, name="stars", labels=("bad", "good"))

    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    response = api.post(f"/api/v1/versions/{version.pk}/evaluate/", {"dataset": other.pk, "split": "test"},
                        content_type="application/json")

    assert response.status_code == 400
    assert "answers with the label words negative, positive; 'stars' also has bad, good" in response.json()["error"]
    assert not TuningJob.objects.filter(method="evaluation").exists()


def test_it_refuses_another_task_kind(alice, lineage_versions, tiny_base) -> None:
    version = lineage_versions[0]
    _trained_on(version, make_ready_dataset(alice), alice, tiny_base)
    answers = make_ready_dataset(alice, name="answers", task_kind="generation")

    html = logged_in(alice).post(f"/prompts/versions/{version.pk}/evaluate/",
                                 {"dataset": answers.pk, "split": "test"}).content.decode()

    assert "was trained for classification and &#x27;answers&#x27; is generation" in html


def test_the_api_queues_an_evaluation(alice, lineage_versions) -> None:
    other = make_ready_dataset(alice, name="other")
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    response = api.post(f"/api/v1/versions/{lineage_versions[0].pk}/evaluate/", {"dataset": other.pk},
                        content_type="application/json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    cancel_job(TuningJob.objects.get(pk=response.json()["id"]))


def test_strangers_cannot_evaluate(alice, charlie, lineage_versions) -> None:
    other = make_ready_dataset(charlie, name="charlie's")
    version = lineage_versions[0]
    assert logged_in(charlie).post(f"/prompts/versions/{version.pk}/evaluate/",
                                   {"dataset": other.pk}).status_code == 404
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(charlie)}")
    assert api.post(f"/api/v1/versions/{version.pk}/evaluate/", {"dataset": other.pk},
                    content_type="application/json").status_code == 404
    mine = make_ready_dataset(alice, name="mine")
    response = logged_in(alice).post(f"/prompts/versions/{version.pk}/evaluate/", {"dataset": other.pk})
    assert response.status_code == 400, "someone else's dataset is not a choice"
    assert mine.pk != other.pk
