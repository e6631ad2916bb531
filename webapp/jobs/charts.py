"""The series behind a training chart (loss and validation metric per step), for every page
that draws one: the job page and the prompt version page."""

from __future__ import annotations

from webapp.jobs.models import TuningJob
from webapp.jobs.services import headline_metric


def training_series(job: TuningJob) -> dict[str, list[list[float]]]:
    """`{"loss": [[step, loss], …], "metric": [[step, value], …]}` (what `SPS.drawChart` reads)."""
    train, evals = [], []
    for point in job.metrics.all():
        if point.kind == "train" and point.loss is not None:
            train.append([point.step, point.loss])
        elif point.kind == "eval" and point.values:
            name = job.best_metric_name or headline_metric(point.values)
            if name in point.values:
                evals.append([point.step, point.values[name]])
    return {"loss": train, "metric": evals}
