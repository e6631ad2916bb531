"""A checkpoint continues only the run that wrote it: model, data and recipe all must match."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from safetensors.torch import load_file, save_file

from tests.support.toy_reviews import sentiment_rows
from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.errors import ConfigError
from tuning_core.fingerprint import cached_sha256, model_identity
from tuning_core.model import load_base_model
from tuning_core.train import train

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))
CONFIG = TrainConfig(batch_size=8, max_steps=2, eval_every=2, log_every=1)


def _refusal(base, train_rows, checkpoint_dir, *, prompt=PROMPT, config=CONFIG, val=None) -> str:
    with pytest.raises(ConfigError, match="different configuration") as caught:
        train(base, prompt, config, train_rows, val, checkpoint_dir=checkpoint_dir)
    return str(caught.value)


@pytest.fixture
def model_dir(tiny_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny model that a test may change."""
    return Path(shutil.copytree(tiny_dir, tmp_path / "model"))


def test_it_refuses_other_weights_of_the_same_shape(model_dir, train_rows, tmp_path):
    first = load_base_model(str(model_dir), device="cpu")
    train(first, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path / "ckpt")
    # Same folder, width, vocabulary and parameter count; other values (t5-base vs
    # t5-base-lm-adapt): nothing but the weights' content tells them apart.
    weights = model_dir / "model.safetensors"
    state = load_file(str(weights))
    state["lm_head.weight"] = state["lm_head.weight"] * 1.5
    save_file(state, str(weights), metadata={"format": "pt"})
    second = load_base_model(str(model_dir), device="cpu")
    assert second.info == first.info

    message = _refusal(second, train_rows, tmp_path / "ckpt")
    assert "model_weights_sha256" in message
    assert "model_config_sha256" not in message


def test_it_refuses_another_model_config(model_dir, train_rows, tmp_path):
    first = load_base_model(str(model_dir), device="cpu")
    train(first, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path / "ckpt")
    config = json.loads((model_dir / "config.json").read_text())
    config["relative_attention_max_distance"] = 7  # same shapes, other attention biases
    (model_dir / "config.json").write_text(json.dumps(config))
    second = load_base_model(str(model_dir), device="cpu")

    message = _refusal(second, train_rows, tmp_path / "ckpt")
    assert "model_config_sha256" in message
    assert "model_weights_sha256" not in message


def test_it_refuses_the_same_model_from_another_source(base, model_dir, train_rows, tmp_path):
    train(base, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path / "ckpt")
    copy = load_base_model(str(model_dir), device="cpu")
    assert model_identity(copy)["model_weights_sha256"] == model_identity(base)["model_weights_sha256"]

    assert "base_model" in _refusal(copy, train_rows, tmp_path / "ckpt")


def test_it_refuses_other_training_data_of_the_same_size(base, train_rows, tmp_path):
    train(base, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path)
    other = sentiment_rows(len(train_rows), seed=99)

    message = _refusal(base, other, tmp_path)
    assert "train_data_sha256" in message
    assert "train_rows" not in message


def test_it_refuses_other_validation_data(base, train_rows, val_rows, tmp_path):
    train(base, PROMPT, CONFIG, train_rows, val_rows, checkpoint_dir=tmp_path)
    other = sentiment_rows(len(val_rows), seed=98)

    assert "validation_data_sha256" in _refusal(base, train_rows, tmp_path, val=other)


def test_it_lists_every_changed_field_of_the_recipe(base, train_rows, tmp_path):
    train(base, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path)
    changed = dataclasses.replace(
        CONFIG,
        dropout=0.0,
        max_input_length=16,
        max_target_length=8,
        weight_decay=0.5,
        decay_rate=0.7,
        optimizer="hf-adafactor",
        learning_rate=0.1,
        grad_accum_steps=2,
        group_by_length=False,
    )

    message = _refusal(base, train_rows, tmp_path, config=changed)
    for name in (
        "dropout: None there, 0.0 here",
        "max_input_length: 256 there, 16 here",
        "max_target_length",
        "weight_decay",
        "decay_rate",
        "optimizer: adafactor there, hf-adafactor here",
        "learning_rate",
        "grad_accum_steps",
        "group_by_length",
    ):
        assert name in message


def test_it_refuses_another_initial_prompt(base, train_rows, tmp_path):
    train(base, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path)
    swapped = PromptConfig(prompt_length=4, label_words=("negative", "positive"))

    message = _refusal(base, train_rows, tmp_path, prompt=swapped)
    assert "label_words" in message
    assert "initial_prompt_sha256" in message


def test_it_resumes_when_only_stopping_and_reporting_change(base, train_rows, tmp_path):
    train(base, PROMPT, CONFIG, train_rows, checkpoint_dir=tmp_path)
    longer = dataclasses.replace(
        CONFIG, max_steps=4, patience=3, log_every=2, eval_batch_size=5
    )

    resumed = train(base, PROMPT, longer, train_rows, checkpoint_dir=tmp_path)
    assert resumed.resumed_from_step == 2
    assert resumed.steps_completed == 4


def test_it_hashes_a_changed_file_again(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"a" * 100)
    first = cached_sha256(path)
    path.write_bytes(b"b" * 100)  # same size
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    assert cached_sha256(path) != first
