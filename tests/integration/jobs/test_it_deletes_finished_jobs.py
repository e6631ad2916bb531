"""A finished job can be deleted from its page and the API: its rows and checkpoint files go, its
prompt version stays, and a prompt left with no version goes too. Active jobs are refused."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key
from tests.support.jobs import launch_held
from webapp.jobs.models import JobLogEntry, JobStatus, TuningJob
from webapp.jobs.services import cancel_job, claim_job, record_failure, record_result
from webapp.prompts.models import Prompt

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_job(alice, ready_dataset, tiny_base_model) -> TuningJob:
    job = launch_held(alice, ready_dataset, tiny_base_model)
    claim_job(job.pk, "worker-a")
    job.checkpoint_dir.mkdir(parents=True)
    (job.checkpoint_dir / "checkpoint.pt").write_bytes(b"state")
    record_failure(job.pk, "worker-a", "The loss became NaN")
    job.refresh_from_db()
    return job


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_deletes_a_failed_job_with_its_files_and_its_empty_prompt(alice, failed_job) -> None:
    prompt_id = failed_job.prompt_id
    response = logged_in(alice).post(f"/jobs/{failed_job.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/jobs/"
    assert not TuningJob.objects.filter(pk=failed_job.pk).exists()
    assert not JobLogEntry.objects.filter(job_id=failed_job.pk).exists()
    assert not Prompt.objects.filter(pk=prompt_id).exists(), "a prompt with no version is not left behind"


def test_it_removes_the_checkpoint_after_commit(alice, failed_job, django_capture_on_commit_callbacks) -> None:
    work_dir = failed_job.work_dir
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(alice).post(f"/jobs/{failed_job.pk}/delete/")
    assert not work_dir.exists()


def test_it_keeps_the_version_a_job_made(alice, ready_dataset, tiny_base_model, tmp_path) -> None:
    from webapp.jobs.services import TrainedPrompt

    job = launch_held(alice, ready_dataset, tiny_base_model)
    claim_job(job.pk, "worker-a")
    trained = TrainedPrompt(tensor_file="prompts/x/prompt.safetensors", sha256="0" * 64,
                            prompt_length=4, d_model=32, best_step=10, metrics={"accuracy": 0.5})
    version = record_result(job.pk, "worker-a", trained, [], cancelled=False)
    assert version is not None

    response = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}").delete(f"/api/v1/jobs/{job.pk}/")

    assert response.status_code == 204
    version.refresh_from_db()
    assert version.job is None
    assert Prompt.objects.filter(pk=version.prompt_id).exists()


def test_it_refuses_an_active_job(alice, ready_dataset, tiny_base_model) -> None:
    job = launch_held(alice, ready_dataset, tiny_base_model)
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    response = api.delete(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 409
    assert "cancel it first" in response.json()["error"]
    page = logged_in(alice).post(f"/jobs/{job.pk}/delete/", follow=True)
    assert "cancel it first" in page.content.decode()
    assert TuningJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).exists()
    cancel_job(job)


def test_a_stranger_cannot_delete_it(charlie, failed_job) -> None:
    assert logged_in(charlie).post(f"/jobs/{failed_job.pk}/delete/").status_code == 404
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(charlie)}")
    assert api.delete(f"/api/v1/jobs/{failed_job.pk}/").status_code == 404
    assert TuningJob.objects.filter(pk=failed_job.pk).exists()
