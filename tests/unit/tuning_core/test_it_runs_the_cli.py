"""`python -m tuning_core`: train -> files, then evaluate, ensemble, neighbors, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.toy_reviews import sentiment_rows
from tuning_core.__main__ import build_parser, main

ROOT = Path(__file__).resolve().parents[3]


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    import csv

    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        for row in rows:
            writer.writerow([row["input_text"].removeprefix("review: "), row["target_text"]])
    return path


def _run(capsys, *argv: str) -> dict | list:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_it_trains_evaluates_and_exports_from_the_command_line(capsys, tmp_path):
    model = _run(capsys, "tiny-model", "--out", str(tmp_path / "model"), "--shape", "t5")["path"]
    train_csv = _csv(tmp_path / "train.csv", sentiment_rows(32, seed=1))
    val_csv = _csv(tmp_path / "val.csv", sentiment_rows(12, seed=2))
    out = tmp_path / "run"
    result = _run(
        capsys,
        "train",
        "--base-model",
        model,
        "--train",
        str(train_csv),
        "--validation",
        str(val_csv),
        "--input-template",
        "review: {text}",
        "--label-column",
        "label",
        "--prompt-length",
        "6",
        "--max-steps",
        "6",
        "--batch-size",
        "8",
        "--eval-every",
        "3",
        "--log-every",
        "2",
        "--seed",
        "1",
        "--out",
        str(out),
    )
    assert (out / "prompt.safetensors").exists()
    assert (out / "prompt.json").exists()
    assert result["result"]["steps_completed"] == 6
    assert result["result"]["label_words"] == ["negative", "positive"]
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [(x["kind"], x["step"]) for x in lines] == [
        ("step", 2),
        ("eval", 3),
        ("step", 4),
        ("step", 6),
        ("eval", 6),
    ]
    assert all("loss" in x for x in lines if x["kind"] == "step")
    assert all("accuracy" in x for x in lines if x["kind"] == "eval")
    meta = json.loads((out / "prompt.json").read_text())
    assert meta["base_model"] == model
    assert meta["prompt_length"] == 6
    assert meta["init"] == "class_labels"

    prompt = str(out / "prompt.safetensors")
    evaluated = _run(
        capsys,
        "evaluate",
        "--base-model",
        model,
        "--prompt",
        prompt,
        "--data",
        str(val_csv),
        "--mode",
        "generate",
        "--predictions",
        str(tmp_path / "preds.jsonl"),
    )
    assert evaluated["mode"] == "generate"
    assert "invalid_rate" in evaluated["metrics"]
    assert len((tmp_path / "preds.jsonl").read_text().splitlines()) == 12
    ranked = _run(
        capsys, "evaluate", "--base-model", model, "--prompt", str(out), "--data", str(val_csv)
    )
    assert ranked["metrics"]["accuracy"] == result["result"]["best_metrics"]["accuracy"]

    voted = _run(
        capsys,
        "ensemble",
        "--base-model",
        model,
        "--prompt",
        prompt,
        "--prompt",
        prompt,
        "--data",
        str(val_csv),
    )
    assert voted["agreement"]["unanimous_rate"] == 1.0

    neighbors = _run(capsys, "neighbors", "--base-model", model, "--prompt", prompt, "--k", "2")
    assert len(neighbors) == 6
    assert len(neighbors[0]["neighbors"]) == 2

    peft = _run(
        capsys,
        "export",
        "--base-model",
        model,
        "--prompt",
        prompt,
        "--format",
        "peft",
        "--out",
        str(tmp_path / "adapter"),
    )
    assert (Path(peft["path"]) / "adapter_config.json").exists()
    npy = _run(
        capsys,
        "export",
        "--base-model",
        model,
        "--prompt",
        prompt,
        "--format",
        "npy",
        "--out",
        str(tmp_path / "prompt.npy"),
    )
    assert np.load(npy["path"]).shape == (6, 32)


def test_it_reports_user_errors_in_one_line(capsys, tmp_path):
    code = main(
        ["evaluate", "--base-model", str(tmp_path / "none"), "--prompt", "p", "--data", "d.csv"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: Base model directory")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "command", ["train", "evaluate", "ensemble", "neighbors", "export", "tiny-model"]
)
def test_it_has_help_for_every_command(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: python -m tuning_core " + command in capsys.readouterr().out


@pytest.mark.slow
def test_it_runs_as_a_module_without_tracebacks(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\na,b,c\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tuning_core",
            "train",
            "--base-model",
            str(tmp_path),
            "--train",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert (
        out.stderr.strip()
        == "error: line 2 of bad.csv: Expected 2 fields (text, label) but found 3; quote fields that contain the delimiter"
    )
    assert out.stdout == ""
