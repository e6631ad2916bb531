"""In-training evaluation scores a fixed, stratified validation sample (`eval_sample`)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import torch

import tuning_core.train as train_module
from tests.support.toy_reviews import sentiment_rows
from tuning_core.__main__ import main
from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.data import stratified_sample
from tuning_core.errors import ConfigError
from tuning_core.train import train

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))


def test_it_keeps_each_label_share_in_the_sample():
    targets = ["a"] * 900 + ["b"] * 90 + ["c"] * 10
    picked = stratified_sample(targets, 100, seed=0)
    assert len(picked) == 100
    assert picked == sorted(set(picked))
    assert Counter(targets[i] for i in picked) == {"a": 90, "b": 9, "c": 1}


def test_it_fills_the_sample_by_largest_remainder():
    targets = ["a"] * 5 + ["b"] * 3 + ["c"] * 2  # quotas for 4 rows: 2.0, 1.2, 0.8
    assert Counter(targets[i] for i in stratified_sample(targets, 4, seed=0)) == {
        "a": 2,
        "b": 1,
        "c": 1,
    }


def test_it_draws_the_same_sample_for_the_same_seed():
    targets = [str(i % 3) for i in range(200)]
    assert stratified_sample(targets, 50, seed=4) == stratified_sample(targets, 50, seed=4)
    assert stratified_sample(targets, 50, seed=4) != stratified_sample(targets, 50, seed=5)
    assert stratified_sample(targets, 500, seed=4) == list(range(200))
    assert len(stratified_sample(targets, 50, seed=4, stratify=False)) == 50


def test_it_leaves_the_global_random_generators_alone():
    torch_state = torch.get_rng_state()
    stratified_sample([str(i % 2) for i in range(100)], 10, seed=1)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_it_scores_the_same_sample_at_every_evaluation(base, train_rows, monkeypatch):
    val = sentiment_rows(40, seed=3)
    seen: list[list[str]] = []
    real = train_module.evaluate_tokenized

    def spy(*args, **kwargs):
        seen.append(list(args[4]))  # the targets scored
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "evaluate_tokenized", spy)
    config = TrainConfig(batch_size=8, max_steps=4, eval_every=2, eval_sample=10)
    result = train(base, PROMPT, config, train_rows, val)

    assert result.eval_sample_rows == 10
    assert len(seen) == 2
    assert seen[0] == seen[1]
    assert len(seen[0]) == 10
    full = Counter(row["target_text"] for row in val)
    shares = Counter(seen[0])
    for label in full:
        assert abs(shares[label] - 10 * full[label] / len(val)) < 1


def test_it_scores_the_whole_split_when_it_is_small(base, train_rows, val_rows):
    config = TrainConfig(batch_size=8, max_steps=2, eval_every=2, eval_sample=len(val_rows))
    assert train(base, PROMPT, config, train_rows, val_rows).eval_sample_rows is None


def test_it_resumes_exactly_with_a_sample(base, train_rows, tmp_path):
    val = sentiment_rows(30, seed=4)
    config = TrainConfig(batch_size=8, max_steps=8, eval_every=4, eval_sample=12, seed=2)
    straight = train(base, PROMPT, config, train_rows, val)
    calls = {"n": 0}

    def stop_before_step_five() -> bool:
        calls["n"] += 1
        return calls["n"] == 5

    train(base, PROMPT, config, train_rows, val, checkpoint_dir=tmp_path,
          should_stop=stop_before_step_five)
    resumed = train(base, PROMPT, config, train_rows, val, checkpoint_dir=tmp_path)
    assert resumed.resumed_from_step == 4
    assert resumed.train_losses == straight.train_losses
    assert resumed.evaluations == straight.evaluations


@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_it_refuses_a_bad_sample_size(value):
    with pytest.raises(ConfigError, match="eval_sample"):
        TrainConfig(eval_sample=value)


def test_the_cli_scores_the_best_prompt_on_the_full_split(capsys, tiny_dir, tmp_path):
    def write(path: Path, rows: list[dict[str, str]]) -> str:
        lines = ["text,label"] + [
            f"{r['input_text'].removeprefix('review: ')},{r['target_text']}" for r in rows
        ]
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    argv = [
        "train", "--base-model", str(tiny_dir),
        "--train", write(tmp_path / "train.csv", sentiment_rows(16, seed=1)),
        "--validation", write(tmp_path / "val.csv", sentiment_rows(20, seed=2)),
        "--prompt-length", "3", "--max-steps", "2", "--batch-size", "8", "--eval-every", "2",
        "--eval-sample", "6", "--out", str(tmp_path / "run"),
    ]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["eval_sample_rows"] == 6
    assert 0.0 <= result["validation_metrics"]["accuracy"] <= 1.0
    # 20 rows: a score on the full split is a multiple of 1/20, the sample's of 1/6.
    assert round(result["validation_metrics"]["accuracy"] * 20, 6).is_integer()
