"""The data behind the site's charts: `chart_spec` builds the shape `webapp/static/js/charts.js`
draws (documented there). `training_charts` is a job's loss and validation metric per step, for
the job page and its version's page (the series come from `TuningJob.training_series`)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

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
    y_bounds: NotRequired[list[float]]  # [low, high] the y axis never passes (a metric's own range)


# Every metric a chart draws lies in [0, 1] (accuracy, F1, exact match), MCC in [-1, 1]: the
# axis stops there instead of padding past them (accuracy drawn up to 1.5 read as a bug).
METRIC_BOUNDS = [0.0, 1.0]
MCC_BOUNDS = [-1.0, 1.0]


def metric_bounds(name: str) -> list[float]:
    return MCC_BOUNDS if "mcc" in name else METRIC_BOUNDS


def chart_spec(x_label: str, y_label: str, series: list[ChartSeries], *, log_y: bool = False,
               x_max: int | None = None, log_x: bool = False, y_bounds: list[float] | None = None) -> ChartSpec:
    """One chart of one or more series overlaid (each series its own colour on the page)."""
    spec: ChartSpec = {"x_label": x_label, "y_label": y_label, "log_y": log_y, "series": series}
    if y_bounds:
        spec["y_bounds"] = y_bounds
    if x_max:
        spec["x_max"] = x_max
    if log_x:
        spec["log_x"] = True
    return spec


def training_charts(series: dict[str, list[list[float]]], metric_label: str,
                    x_max: int | None) -> dict[str, ChartSpec]:
    """A job's two charts: training loss on a log scale, and the validation metric on its own
    axis (they share no unit; one plot with two y axes reads worse than two aligned plots)."""
    return {
        "loss": chart_spec("step", "training loss", [{"label": "training loss", "points": series["loss"]}],
                           log_y=True, x_max=x_max),
        "metric": chart_spec("step", metric_label, [
            {"label": metric_label, "points": series["metric"], "color": VALIDATION_COLOR}], x_max=x_max,
            y_bounds=metric_bounds(metric_label)),
    }
