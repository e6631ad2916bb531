"""Sweeps: the paper's ablations as a grid of runs, and the panels that read them.

Lester et al. (2021) answer their questions with grids: Figure 3 crosses prompt length
{1, 5, 20, 100, 150} with the initialisation {random, vocab, class labels} over several seeds, and
Table 3 ensembles five prompts trained with different seeds. A `Grid` is such a set of axes; each
of its points is one run's settings on top of a fixed recipe. `panels` reduces finished runs to
Figure 3's shape: the metric against one numeric axis, one line per value of another, mean ± sd
over everything else (the seeds).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuning_core.config import InitMethod, Precision
from tuning_core.errors import ConfigError

# What a sweep may vary, and the type of each value. The rest of the recipe is fixed.
AXES: dict[str, type] = {
    "prompt_length": int, "init": str, "learning_rate": float, "batch_size": int, "seed": int,
    "max_steps": int, "precision": str,
}
NUMERIC_AXES = ("prompt_length", "learning_rate", "batch_size", "max_steps")
LOG_AXES = ("prompt_length", "learning_rate")  # read on a log scale, as the paper plots length
_CHOICES = {
    "init": tuple(m.value for m in InitMethod if m is not InitMethod.FROM_FILE),
    "precision": tuple(m.value for m in Precision),
}

# Ready-made grids for the questions people ask first.
PRESETS: dict[str, dict[str, Any]] = {
    "figure3": {
        "label": "The paper's Figure 3: prompt length × initialisation, 3 seeds",
        "axes": {"prompt_length": [1, 5, 20, 100, 150], "init": ["random", "vocab", "class_labels"],
                 "seed": [0, 1, 2]},
    },
    "lr_by_length": {
        "label": "Learning rate × prompt length",
        "axes": {"learning_rate": [0.03, 0.1, 0.3, 1.0], "prompt_length": [5, 20, 100]},
    },
    "seeds": {
        "label": "Seeds only (five prompts for an ensemble, as in Table 3)",
        "axes": {"seed": [0, 1, 2, 3, 4]},
    },
}


@dataclass(frozen=True)
class Grid:
    """Swept axes in a fixed order, each with its distinct values."""

    axes: tuple[tuple[str, tuple[Any, ...]], ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Sequence[Any]]) -> Grid:
        """Check names, types and choices; drop repeated values. Raises ConfigError naming the axis."""
        axes = []
        for name, values in raw.items():
            if name not in AXES:
                raise ConfigError(f"{name!r} cannot be swept; sweep any of {', '.join(AXES)}")
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
                raise ConfigError(f"{name}: give a list of one or more values")
            axes.append((name, tuple(dict.fromkeys(_value(name, v) for v in values))))
        if not axes:
            raise ConfigError("Sweep at least one axis (prompt length, init, learning rate, batch size, seed, "
                              "max steps or precision)")
        return cls(tuple(axes))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.axes)

    def size(self) -> int:
        return math.prod(len(values) for _, values in self.axes)

    def points(self) -> list[dict[str, Any]]:
        """Every combination, the first axis varying slowest."""
        names = self.names
        return [dict(zip(names, combo)) for combo in itertools.product(*(values for _, values in self.axes))]

    def to_dict(self) -> dict[str, list[Any]]:
        return {name: list(values) for name, values in self.axes}


def _value(axis: str, value: Any) -> Any:
    kind = AXES[axis]
    try:
        if kind is int and (isinstance(value, bool) or float(value) != int(float(value))):
            raise ValueError
        converted = kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{axis}: {value!r} is not a{'n integer' if kind is int else ' number'}") from None
    if axis in _CHOICES and converted not in _CHOICES[axis]:
        raise ConfigError(f"{axis}: {value!r} is not one of {', '.join(_CHOICES[axis])}")
    if kind is not str and converted < (0 if axis == "seed" else 1e-12):
        raise ConfigError(f"{axis}: {value!r} must be {'zero or more' if axis == 'seed' else 'positive'}")
    return converted


@dataclass(frozen=True)
class PanelPoint:
    x: Any
    mean: float
    sd: float  # sample standard deviation; 0 with one run
    runs: int


@dataclass(frozen=True)
class Panel:
    """The metric against `x_axis`, one line per value of `line_axis` (None: one line)."""

    x_axis: str
    line_axis: str | None
    log_x: bool
    lines: dict[str, list[PanelPoint]]  # line label -> points in x order

    def to_dict(self) -> dict[str, Any]:
        return {"x_axis": self.x_axis, "line_axis": self.line_axis, "log_x": self.log_x,
                "lines": {label: [p.__dict__ for p in points] for label, points in self.lines.items()}}


def panels(grid: Grid, runs: Sequence[tuple[Mapping[str, Any], float | None]]) -> list[Panel]:
    """Figure-3 panels of finished runs: (coordinates, metric) pairs; runs without a metric are
    left out. One panel per swept numeric axis with two or more values; its lines are the values
    of each other swept axis but the seed (or a single line), each point the mean ± sd of the runs
    at that x and line value, over the seeds and every other axis."""
    scored = [(coords, metric) for coords, metric in runs if metric is not None]
    out = []
    for x_axis, x_values in grid.axes:
        if x_axis not in NUMERIC_AXES or len(x_values) < 2:
            continue
        others: list[tuple[str | None, tuple[Any, ...]]] = [
            (name, values) for name, values in grid.axes if name not in (x_axis, "seed") and len(values) > 1]
        for line_axis, line_values in others or [(None, (None,))]:
            lines: dict[str, list[PanelPoint]] = {}
            for line_value in line_values:
                points = []
                for x in sorted(x_values):
                    metrics = [m for c, m in scored
                               if c.get(x_axis) == x and (line_axis is None or c.get(line_axis) == line_value)]
                    if metrics:
                        sd = statistics.stdev(metrics) if len(metrics) > 1 else 0.0
                        points.append(PanelPoint(x, statistics.fmean(metrics), sd, len(metrics)))
                lines["all runs" if line_axis is None else f"{line_axis} {line_value}"] = points
            out.append(Panel(x_axis, line_axis, x_axis in LOG_AXES, lines))
    return out


# ----------------------------------------------------------------------------------------------
# training a grid on one machine (the CLI's `sweep`): every run in one fused trainer


@dataclass(frozen=True)
class SweepRunResult:
    coordinates: dict[str, Any]
    result: Any | None  # tuning_core.train.TrainResult; None when the run failed
    error: str | None


def run_settings(grid: Grid, recipe: Mapping[str, Any], label_words: Sequence[str] = ()) -> list[
        tuple[dict[str, Any], Any, Any]]:
    """(coordinates, PromptConfig, TrainConfig) of every point: the recipe (any TrainConfig field,
    plus prompt_length and init) with the point on top. Raises ConfigError naming the run."""
    from dataclasses import fields

    from tuning_core.config import PromptConfig, TrainConfig

    known = {f.name for f in fields(TrainConfig)} | {"prompt_length", "init"}
    unknown = sorted(set(recipe) - known)
    if unknown:
        raise ConfigError(f"The recipe cannot set {', '.join(unknown)}; it takes TrainConfig's fields, "
                          "prompt_length and init")
    out = []
    for point in grid.points():
        settings = {**recipe, **point}
        init = settings.pop("init", "class_labels" if label_words else "vocab")
        length = settings.pop("prompt_length", 100)
        try:
            prompt = PromptConfig(prompt_length=length, init=init, label_words=tuple(label_words))
            train = TrainConfig(**settings)
        except ConfigError as exc:
            label = " ".join(f"{k} {v}" for k, v in point.items())
            raise ConfigError(f"Run {label}: {exc}") from None
        out.append((point, prompt, train))
    return out


def train_grid(base: Any, grid: Grid, recipe: Mapping[str, Any], train_data: Any, validation_data: Any | None,
               *, label_words: Sequence[str] = ()) -> list[SweepRunResult]:
    """Train every point of the grid together on `base` (one FusedTrainer: one model copy, every
    run stepped each step); a run that fails is reported, the others go on."""
    from tuning_core.fused import FusedTrainer
    from tuning_core.train import TrainingRun

    trainer = FusedTrainer(base)
    runs = [(point, trainer.add(TrainingRun(base, prompt, train, train_data, validation_data)))
            for point, prompt, train in run_settings(grid, recipe, label_words)]
    trainer.train_all()
    out = []
    for point, future in runs:
        error = future.exception()
        out.append(SweepRunResult(point, None if error else future.result(), str(error) if error else None))
    return out
