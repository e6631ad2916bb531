"""A sweep's parallel-coordinates view: one vertical axis per swept setting and one for the metric,
one line per run through its values, coloured by its metric. Drawn on the server as SVG (no
script, so it is in the live fragment and in the page without JavaScript)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tuning_core.sweep import LOG_AXES, NUMERIC_AXES

WIDTH, HEIGHT, TOP, BOTTOM, SIDE = 760, 300, 36, 24, 60
# Worst to best: a sequential ramp that stays readable on white (the best run darkest).
RAMP = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
UNSCORED = "#c8ced8"


@dataclass(frozen=True)
class Tick:
    label: str
    y: float


@dataclass(frozen=True)
class Axis:
    name: str
    x: int
    ticks: list[Tick]


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y …", SVG polyline
    color: str
    title: str
    scored: bool


@dataclass(frozen=True)
class ParallelView:
    width: int
    height: int
    top: int
    bottom: float
    axes: list[Axis]
    lines: list[Line]  # unscored first, so scored lines draw on top


def _position(values: Sequence[Any], axis: str) -> dict[Any, float]:
    """Each value's place on its axis, 0 (bottom) to 1 (top)."""
    distinct = sorted(set(values), key=lambda v: (str(type(v)), v))
    if len(distinct) == 1:
        return {distinct[0]: 0.5}
    if axis in NUMERIC_AXES:
        scale = (lambda v: math.log(v)) if axis in LOG_AXES else (lambda v: float(v))
        low, high = scale(distinct[0]), scale(distinct[-1])
        return {v: (scale(v) - low) / (high - low) for v in distinct}
    return {v: i / (len(distinct) - 1) for i, v in enumerate(distinct)}


def parallel_view(axes: Sequence[tuple[str, Sequence[Any]]], rows: Sequence[Any]) -> ParallelView:
    """The view of `rows` (sweeps.services.RunRow) over the sweep's `axes` ([(name, values)])."""
    names = [name for name, _ in axes] + ["metric"]
    metric_name = next((row.metric_name for row in rows if row.metric is not None), "") or "metric"
    metrics = [row.metric for row in rows if row.metric is not None]
    span = HEIGHT - TOP - BOTTOM
    step = (WIDTH - 2 * SIDE) / max(len(names) - 1, 1)
    xs = [round(SIDE + i * step) for i in range(len(names))]

    def y(fraction: float) -> float:
        return round(TOP + (1 - fraction) * span, 1)

    places = [_position(values, name) for name, values in axes]
    low, high = (min(metrics), max(metrics)) if metrics else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5

    def metric_place(value: float) -> float:
        return (value - low) / (high - low)

    drawn_axes = [Axis(name.replace("_", " "), xs[i], [Tick(str(value), y(place)) for value, place in places[i].items()])
                  for i, (name, _) in enumerate(axes)]
    metric_ticks = [Tick(f"{value:.3f}", y(metric_place(value))) for value in sorted(set(ranked_ends(metrics)))]
    drawn_axes.append(Axis(metric_name, xs[-1], metric_ticks))

    ranked = sorted(metrics)
    lines: list[tuple[float, Line]] = []
    for row in rows:
        ys = [y(places[i][row.values[i]]) for i in range(len(axes))]
        if row.metric is not None:
            ys.append(y(metric_place(row.metric)))
            rank = bisect.bisect_right(ranked, row.metric) - 1  # ties share the highest rank
            band = min(len(RAMP) - 1, int(len(RAMP) * rank / max(len(ranked), 1)))
            color, title = RAMP[band], f"{row.label}: {row.metric_name} {row.metric:.3f}"
        else:
            color, title = UNSCORED, f"{row.label}: {row.status}, no metric yet"
        points = " ".join(f"{xs[i]},{value}" for i, value in enumerate(ys))
        lines.append((row.metric if row.metric is not None else -math.inf, Line(points, color, title, row.metric is not None)))
    lines.sort(key=lambda pair: pair[0])  # the unscored first, the best last: on top
    return ParallelView(WIDTH, HEIGHT, TOP, HEIGHT - BOTTOM, drawn_axes, [line for _, line in lines])


def ranked_ends(metrics: Sequence[float]) -> list[float]:
    """The lowest and highest metric: the metric axis's two labels."""
    return [min(metrics), max(metrics)] if metrics else []
