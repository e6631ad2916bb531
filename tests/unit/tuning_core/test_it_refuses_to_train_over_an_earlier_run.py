"""`python -m tuning_core train` into a non-empty --out needs --resume or --overwrite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.toy_reviews import sentiment_rows
from tuning_core.__main__ import build_parser, main


def _csv(path: Path) -> Path:
    lines = ["text,label"] + [
        f"{row['input_text'].removeprefix('review: ')},{row['target_text']}"
        for row in sentiment_rows(16, seed=1)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def argv(tiny_dir, tmp_path) -> list[str]:
    return [
        "train", "--base-model", str(tiny_dir), "--train", str(_csv(tmp_path / "train.csv")),
        "--prompt-length", "3", "--max-steps", "2", "--batch-size", "8", "--eval-every", "2",
        "--log-every", "1", "--out", str(tmp_path / "run"),
    ]  # fmt: skip


def _train(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _logged_steps(out: Path) -> list[int]:
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [line["step"] for line in lines if line["kind"] == "step"]


def test_it_refuses_a_non_empty_out_without_resume_or_overwrite(capsys, argv, tmp_path):
    _train(capsys, argv)

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {tmp_path / 'run'} is not empty (checkpoint, ")
    assert "--resume" in err
    assert "--overwrite" in err


def test_it_refuses_a_folder_holding_anything(capsys, argv, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")

    assert main(argv) == 2
    assert "(notes.txt)" in capsys.readouterr().err
    assert (tmp_path / "run" / "notes.txt").read_text() == "mine"


def test_it_resumes_with_resume(capsys, argv, tmp_path):
    _train(capsys, argv)
    longer = [*argv, "--resume"]
    longer[longer.index("--max-steps") + 1] = "4"

    result = _train(capsys, longer)["result"]
    assert result["resumed_from_step"] == 2
    assert result["steps_completed"] == 4
    assert _logged_steps(tmp_path / "run") == [1, 2, 3, 4]


def test_it_starts_over_with_overwrite(capsys, argv, tmp_path):
    _train(capsys, argv)

    result = _train(capsys, [*argv, "--overwrite"])["result"]
    assert result["resumed_from_step"] is None
    assert _logged_steps(tmp_path / "run") == [1, 2]  # the first run's lines are gone


def test_it_trains_into_an_empty_folder(capsys, argv, tmp_path):
    (tmp_path / "run").mkdir()

    assert _train(capsys, argv)["result"]["steps_completed"] == 2


def test_it_takes_resume_or_overwrite_not_both(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*argv, "--resume", "--overwrite"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_it_drops_the_metrics_the_resumed_run_redoes(capsys, argv, tmp_path):
    _train(capsys, argv)
    metrics = tmp_path / "run" / "metrics.jsonl"
    # What a crash after step 2's checkpoint leaves: a point past it and half a line.
    with open(metrics, "a") as fh:
        fh.write(json.dumps({"kind": "step", "step": 3, "loss": 1.0}) + '\n{"kind": "st')
    longer = [*argv, "--resume"]
    longer[longer.index("--max-steps") + 1] = "3"

    _train(capsys, longer)
    assert _logged_steps(tmp_path / "run") == [1, 2, 3]
