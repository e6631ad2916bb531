"""`python -m tuning_core sweep`: a grid trained together on one machine, written as results.csv,
panels.json and each run's best prompt; each run as it would have trained alone."""

from __future__ import annotations

import csv
import json

import pytest

from tests.support.toy_reviews import sentiment_rows
from tests.unit.tuning_core.test_it_runs_the_cli import _csv, _run
from tuning_core.__main__ import main
from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.data import format_examples, read_table
from tuning_core.export import load_prompt
from tuning_core.train import train

RECIPE = {"max_steps": 4, "batch_size": 8, "eval_every": 2, "learning_rate": 0.1, "precision": "fp32"}


def test_it_trains_a_grid_and_writes_its_results(capsys, tmp_path, base, tiny_dir):
    train_csv = _csv(tmp_path / "train.csv", sentiment_rows(32, seed=1))
    val_csv = _csv(tmp_path / "val.csv", sentiment_rows(12, seed=2))
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"recipe: {json.dumps(RECIPE)}\naxes:\n  prompt_length: [2, 4]\n  seed: [0, 1]\n")
    out = tmp_path / "sweep"
    summary = _run(capsys, "sweep", "--base-model", str(tiny_dir), "--train", str(train_csv), "--validation",
                   str(val_csv), "--input-template", "review: {text}", "--grid", str(grid), "--out", str(out))
    assert (summary["runs"], summary["failed"]) == (4, 0)

    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [(r["prompt_length"], r["seed"]) for r in rows] == [("2", "0"), ("2", "1"), ("4", "0"), ("4", "1")]
    assert {r["metric_name"] for r in rows} == {"accuracy"}
    [panel] = json.loads((out / "panels.json").read_text())
    assert [p["runs"] for p in panel["lines"]["all runs"]] == [2, 2]

    # The last run, trained alone, ends with the same prompt (dropout included: see tuning_core.fused).
    def split(path):
        return format_examples(read_table(str(path)), input_template="review: {text}", target_column="label")

    alone = train(base, PromptConfig(prompt_length=4, label_words=("negative", "positive")),
                  TrainConfig(**RECIPE, seed=1), split(train_csv), split(val_csv))
    prompt, _ = load_prompt(rows[3]["prompt"])
    assert (prompt - alone.prompt).abs().max().item() <= 1e-5


def test_a_bad_grid_is_named(capsys, tmp_path, tiny_dir):
    train_csv = _csv(tmp_path / "train.csv", sentiment_rows(8, seed=1))
    grid = tmp_path / "grid.yaml"
    grid.write_text("axes:\n  dropout: [0.1]\n")
    code = main(["sweep", "--base-model", str(tiny_dir), "--train", str(train_csv), "--grid", str(grid),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert "'dropout' cannot be swept" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [("[1, 2]", "give a mapping with 'axes'"),
                                              ("axes: {seed: [0]}\nrecipe: {warmup: 3}", "cannot set warmup")])
def test_a_grid_file_that_is_not_a_grid_is_refused(capsys, tmp_path, tiny_dir, content, message):
    train_csv = _csv(tmp_path / "train.csv", sentiment_rows(8, seed=1))
    grid = tmp_path / "grid.yaml"
    grid.write_text(content)
    assert main(["sweep", "--base-model", str(tiny_dir), "--train", str(train_csv), "--grid", str(grid),
                 "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
