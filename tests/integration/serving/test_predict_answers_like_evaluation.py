"""With a real Celery worker and the real prediction server: the predict API labels a split's rows
exactly as the stored evaluation of the same rows did, for an ensemble's vote and for a version."""

from __future__ import annotations

import pytest

from tests.support.jobs import wait_for_status
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.jobs.models import JobStatus
from webapp.prompts.models import EvalRun, ExamplePrediction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _stored(run: EvalRun) -> list[ExamplePrediction]:
    return list(run.example_predictions.order_by("index"))


def test_predict_gives_the_labels_of_evaluation(alice, reviews, trio, api_as, celery_worker_process,
                                                 prediction_server_process) -> None:
    job = wait_for_status(launch_ensemble_evaluation(alice, trio, reviews, ["test"]), JobStatus.SUCCEEDED,
                          JobStatus.FAILED)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    vote_run = EvalRun.objects.get(job=job, prompt_version__isnull=True)
    member_run = EvalRun.objects.get(job=job, prompt_version=trio.member_versions()[0])
    rows = _stored(vote_run)
    inputs = [{"text": row.input_text.removeprefix("review: ")} for row in rows]
    api = api_as(alice)

    voted = api.post(f"/api/v1/ensembles/{trio.pk}/predict/", {"inputs": inputs}, content_type="application/json")
    alone = api.post(f"/api/v1/versions/{member_run.prompt_version_id}/predict/", {"inputs": inputs},
                     content_type="application/json")

    assert voted.status_code == 200, voted.json()
    assert alone.status_code == 200, alone.json()
    assert [p["input"] for p in voted.json()["predictions"]] == [row.input_text for row in rows]
    assert [p["label"] for p in voted.json()["predictions"]] == [row.predicted for row in rows]
    assert [sum(p["votes"].values()) for p in voted.json()["predictions"]] == [3] * len(rows)
    assert [p["label"] for p in alone.json()["predictions"]] == [row.predicted for row in _stored(member_run)]
    for predicted, row in zip(alone.json()["predictions"], _stored(member_run)):
        by_label = {s["label"]: s["log_likelihood"] for s in predicted["scores"]}
        assert by_label == pytest.approx(row.scores, abs=1e-4)
