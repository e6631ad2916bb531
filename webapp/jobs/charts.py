"""The data behind a training chart (loss and validation metric per step), for every page that
draws one: the job page, the prompt version page and the compare page. `chart_spec` builds the
data shape `webapp/static/js/charts.js` draws (documented there)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from tuning_core.task import headline_metric_of, resolve
from webapp.jobs.models import TuningJob

# The site's "ok" green (app.css --ok): a lone validation curve reads apart from the loss curve.
VALIDATION_COLOR = "#1d7a3e"


class ChartSeries(TypedDict):
    label: str
    points: list[list[float]]  # [[x, y], …]
    color: NotRequired[str]  # by default the series' place in charts.js's palette


class ChartSpec(TypedDict):
    x_label: str
    y_label: str
    log_y: bool
    series: list[ChartSeries]
    x_max: NotRequired[int]
    log_x: NotRequired[bool]


def chart_spec(x_label: str, y_label: str, series: list[ChartSeries], *, log_y: bool = False,
               x_max: int | None = None, log_x: bool = False) -> ChartSpec:
    """One chart of one or more series overlaid (each series its own colour on the page)."""
    spec: ChartSpec = {"x_label": x_label, "y_label": y_label, "log_y": log_y, "series": series}
    if x_max:
        spec["x_max"] = x_max
    if log_x:
        spec["log_x"] = True
    return spec


def training_series(job: TuningJob) -> dict[str, list[list[float]]]:
    """`{"loss": [[step, loss], …], "metric": [[step, value], …]}` for one job."""
    train, evals = [], []
    for point in job.metrics.all():
        if point.kind == "train" and point.loss is not None:
            train.append([point.step, point.loss])
        elif point.kind == "eval" and point.values:
            name = job.best_metric_name or headline_metric_of(point.values)
            if name in point.values:
                evals.append([point.step, point.values[name]])
    return {"loss": train, "metric": evals}


def metric_label(job: TuningJob) -> str:
    """What the validation curve measures ("validation accuracy"), before any point names it."""
    return "validation " + (job.best_metric_name or resolve(kind=job.dataset.task_kind).headline_metric)


def training_charts(job: TuningJob) -> dict[str, ChartSpec]:
    """The job's two charts: training loss on a log scale, and the validation metric on its own
    axis (they share no unit; one plot with two y axes reads worse than two aligned plots)."""
    series = training_series(job)
    x_max = job.total_steps or None
    return {
        "loss": chart_spec("step", "training loss", [{"label": "training loss", "points": series["loss"]}],
                           log_y=True, x_max=x_max),
        "metric": chart_spec("step", metric_label(job), [
            {"label": metric_label(job), "points": series["metric"], "color": VALIDATION_COLOR}], x_max=x_max),
    }
