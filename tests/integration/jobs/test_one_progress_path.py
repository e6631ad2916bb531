"""Every runner reports progress one way (workers.progress.JobProgress): the job's live fields on
every point, a chart point and a live update at most `max_rate` a second, and always the points
that matter."""

from __future__ import annotations

import pytest

from tests.support.jobs import launch_held
from webapp.jobs.models import JobMetric, JobStatus, TuningJob
from workers.progress import JobProgress

pytestmark = pytest.mark.django_db


def point(step: int) -> dict[str, object]:
    return {"kind": "step", "step": step, "total_steps": 100, "elapsed_seconds": 1.0, "loss": 0.5}


def test_points_are_throttled_but_the_ones_that_matter_are_kept(alice, ready_dataset, tiny_base_model) -> None:
    job = launch_held(alice, ready_dataset, tiny_base_model)
    TuningJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    progress = JobProgress(job.pk, max_rate=1)
    progress.record(point(1))  # the first point is due
    progress.record(point(2))  # within the second: the job's fields move, no chart point
    progress.record(point(3), always=True)
    assert list(JobMetric.objects.filter(job=job).values_list("step", flat=True).order_by("step")) == [1, 3]
    assert TuningJob.objects.get(pk=job.pk).step == 3
