"""Sweep grids: axes checked and expanded in order; Figure-3 panels are mean ± sd over the seeds."""

from __future__ import annotations

import statistics

import pytest

from tuning_core.errors import ConfigError
from tuning_core.sweep import PRESETS, Grid, panels


def test_the_figure_3_preset_expands_to_45_runs_in_grid_order():
    grid = Grid.parse(PRESETS["figure3"]["axes"])
    points = grid.points()
    assert grid.size() == len(points) == 5 * 3 * 3
    assert points[0] == {"prompt_length": 1, "init": "random", "seed": 0}
    assert points[1] == {"prompt_length": 1, "init": "random", "seed": 1}
    assert points[-1] == {"prompt_length": 150, "init": "class_labels", "seed": 2}


def test_values_are_typed_and_repeats_dropped():
    grid = Grid.parse({"learning_rate": ["0.3", 0.1, "0.3"], "batch_size": ["8", 16.0]})
    assert grid.to_dict() == {"learning_rate": [0.3, 0.1], "batch_size": [8, 16]}


@pytest.mark.parametrize("axes, message", [
    ({}, "Sweep at least one axis"),
    ({"dropout": [0.1]}, "'dropout' cannot be swept"),
    ({"seed": []}, "seed: give a list of one or more values"),
    ({"prompt_length": [5, 2.5]}, "prompt_length: 2.5 is not an integer"),
    ({"init": ["vocab", "from_file"]}, "init: 'from_file' is not one of random, vocab, class_labels"),
    ({"learning_rate": [0.3, 0]}, "learning_rate: 0 must be positive"),
    ({"seed": [-1]}, "seed: -1 must be zero or more"),
    ({"precision": ["fp16"]}, "precision: 'fp16' is not one of auto, fp32, bf16"),
])
def test_it_refuses_bad_axes_naming_them(axes, message):
    with pytest.raises(ConfigError, match=message):
        Grid.parse(axes)


def test_panels_are_mean_and_sd_over_the_seeds_per_line():
    grid = Grid.parse({"prompt_length": [5, 20], "init": ["random", "vocab"], "seed": [0, 1, 2]})
    metric = {(5, "random"): [0.50, 0.60, 0.70], (5, "vocab"): [0.61, 0.65, 0.69],
              (20, "random"): [0.70, 0.72, 0.74], (20, "vocab"): [0.80, 0.80, None]}  # one run unfinished
    runs = [({"prompt_length": p, "init": i, "seed": s}, metric[(p, i)][s]) for p, i, s in
            ((p, i, s) for p in (5, 20) for i in ("random", "vocab") for s in range(3))]
    [panel] = panels(grid, runs)
    assert (panel.x_axis, panel.line_axis, panel.log_x) == ("prompt_length", "init", True)
    vocab = panel.lines["init vocab"]
    assert [p.x for p in vocab] == [5, 20]
    assert vocab[0].mean == pytest.approx(statistics.fmean([0.61, 0.65, 0.69]))
    assert vocab[0].sd == pytest.approx(statistics.stdev([0.61, 0.65, 0.69]))
    assert (vocab[1].runs, vocab[1].sd) == (2, 0.0)
    assert panel.lines["init random"][1].mean == pytest.approx(0.72)


def test_a_seeds_only_sweep_has_no_panel():
    assert panels(Grid.parse({"seed": [0, 1, 2]}), [({"seed": s}, 0.5) for s in range(3)]) == []
