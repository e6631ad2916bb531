"""An upload processed, a second job trained and its version evaluated, while another user's long
job trains: none waits for the long job to end."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, submit_upload, write_csv
from tests.support.jobs import launch, wait_for_status
from tests.support.waiting import wait_for
from webapp.datasets.models import Upload
from webapp.datasets.processing import Mapping
from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _groups(client) -> list[dict]:  # type: ignore[type-arg]
    """The groups of this session's worker. /healthz lists every worker whose heartbeat is fresh,
    and one an earlier test killed stays listed until its heartbeat expires."""
    return [g for g in client.get("/healthz").json()["training_groups"] if g["worker"].startswith("test-worker-")]


def test_an_upload_and_a_short_job_run_while_a_long_job_trains(
    alice, bob, ready_dataset, tiny_base_model, tmp_path, celery_worker_process, client
) -> None:
    long_job = launch(alice, ready_dataset, tiny_base_model, prompt_name="long", max_steps=100_000,
                      eval_every=50_000)
    try:
        wait_for(lambda: TuningJob.objects.get(pk=long_job.pk).step > 0, timeout=120, what="the long job training")
        # /healthz lists the worker's group, from its heartbeat (every second under test): await
        # one written once this group has stepped. One written as it started says 0 steps/s, and
        # one written before it, in an earlier test on this worker, names that test's group.
        wait_for(lambda: any(g["base_model"] == "tiny-t5" and g["steps_per_second"] > 0 for g in _groups(client)),
                 timeout=30, what="the training group in /healthz")
        [group] = _groups(client)
        assert (group["base_model"], group["precision"], group["jobs"]) == ("tiny-t5", "fp32", 1)
        assert group["worker"].startswith("test-worker-")

        upload = submit_upload(bob, write_csv(tmp_path / "r.csv", review_rows(200)),
                               Mapping("{text}", "label", {"0": "negative", "1": "positive"}))
        wait_for(lambda: Upload.objects.get(pk=upload.pk).status != "processing", timeout=120,
                 what="the upload processed")
        assert Upload.objects.get(pk=upload.pk).status == "done"

        short = launch(bob, Upload.objects.get(pk=upload.pk).dataset, tiny_base_model, prompt_name="short",
                       max_steps=20, eval_every=10)
        short = wait_for_status(short, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=120)
        assert short.status == JobStatus.SUCCEEDED, short.error_message

        # An evaluation shares the model copy with the training group, a batch at a time.
        evaluation = launch_evaluation(bob, short.result_version, short.dataset, "test")
        evaluation = wait_for_status(evaluation, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=120)
        assert evaluation.status == JobStatus.SUCCEEDED, evaluation.error_message

        long_job.refresh_from_db()
        assert long_job.status == JobStatus.RUNNING  # both happened while it trained
        assert long_job.step < long_job.total_steps
    finally:
        wait_for_status(cancel_job(TuningJob.objects.get(pk=long_job.pk)), JobStatus.CANCELLED, timeout=120)
