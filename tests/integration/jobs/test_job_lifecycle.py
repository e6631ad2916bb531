"""Launch → live websocket messages → succeeded, with one version and its evaluations."""

from __future__ import annotations

import pytest

from tests.support.jobs import launch_held, stream_job_events, wait_for_status
from tests.support.waiting import wait_for
from webapp.jobs.models import JobStatus
from webapp.prompts.models import EvalRun, PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_trains_streams_progress_and_keeps_one_version(
    alice, ready_dataset, tiny_base_model, celery_worker_process
) -> None:
    job = launch_held(alice, ready_dataset, tiny_base_model, max_steps=30, eval_every=10)

    events = stream_job_events(alice, job)

    job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    progress = [e for e in events if e["kind"] == "job.progress"]
    assert progress, "no progress event reached the socket"
    assert [e for e in progress if e["data"]["point"] == "eval"], "no evaluation was streamed"
    assert max(e["data"]["step"] for e in progress) == 30
    assert events[-1]["kind"] == "job.status"
    assert events[-1]["data"]["status"] == "succeeded"

    version = PromptVersion.objects.get(prompt__owner=alice)
    assert (version.version, version.prompt_length, version.job_id) == (1, 4, job.pk)
    assert version.tensor_path.exists()
    runs = list(EvalRun.objects.filter(prompt_version=version).order_by("split"))
    assert [r.split for r in runs] == ["test", "validation"]
    assert all(r.num_examples == 16 for r in runs)
    assert all("accuracy" in r.metrics for r in runs)
    assert runs[1].example_predictions.count() == 16
    assert job.metrics.filter(kind="eval").count() == 3
    assert job.metrics.filter(kind="train").exists()
    # The worker removes the checkpoint right after recording the result.
    wait_for(lambda: not job.checkpoint_dir.exists(), timeout=10, what="the finished job's checkpoint to go")
