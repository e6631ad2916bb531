"""The max target length defaults to the dataset's longest target, and the launch says what it cuts."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.factories import make_ready_dataset
from tuning_core.config import TrainConfig
from webapp.basemodels.services import register_base_model
from webapp.jobs.forms import JobLaunchForm
from webapp.jobs.launch_hints import MAX_TARGET_DEFAULT_CAP, default_max_target_length, target_lengths
from workers.training import truncation_notes

pytestmark = pytest.mark.django_db


def measured(dataset: Any, lengths: dict[int, int]) -> Any:
    """Token lengths as the worker stores them (EOS counted)."""
    dataset.token_stats = {"t5|512": {"target_histogram": {"max": max(lengths)},
                                      "target_lengths": {str(k): v for k, v in lengths.items()}}}
    dataset.save(update_fields=["token_stats"])
    return dataset


def form_data(dataset: Any, base_model: Any, **fields: Any) -> dict[str, Any]:
    return {"dataset": dataset.pk, "base_model": base_model.pk, "prompt_name": "qa", "prompt_length": 4,
            "init": "vocab", "learning_rate": 0.3, "batch_size": 8, "max_steps": 20, "eval_every": 10,
            "max_input_length": 64, "seed": 0, **fields}


def test_it_counts_the_targets_a_length_cuts(alice) -> None:
    dataset = measured(make_ready_dataset(alice), {3: 10, 20: 4, 41: 1})
    lengths = target_lengths(dataset)
    assert lengths is not None
    assert lengths.longest == 41
    assert (lengths.cut_by(41), lengths.cut_by(20), lengths.cut_by(16)) == (0, 1, 5)


def test_it_defaults_to_the_longest_target_capped(alice) -> None:
    assert default_max_target_length(measured(make_ready_dataset(alice), {3: 10, 41: 1})) == 41
    assert default_max_target_length(measured(make_ready_dataset(alice, "long"), {900: 1})) == MAX_TARGET_DEFAULT_CAP
    assert default_max_target_length(make_ready_dataset(alice, "unmeasured")) == TrainConfig.max_target_length


def test_a_launch_without_a_max_target_length_keeps_every_target(alice, tiny_model_dir) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = measured(make_ready_dataset(alice), {3: 10, 41: 1})
    form = JobLaunchForm(form_data(dataset, base_model), user=alice)
    assert form.is_valid(), form.errors
    assert form.to_request().max_target_length == 41
    chosen = JobLaunchForm(form_data(dataset, base_model, max_target_length=8), user=alice)
    assert chosen.is_valid()
    assert chosen.to_request().max_target_length == 8


def test_the_job_log_says_what_training_cut() -> None:
    result = SimpleNamespace(truncated_train_targets=3, truncated_train_rows=0)
    config = SimpleNamespace(max_target_length=16, max_input_length=64)
    assert truncation_notes(result, config, 120) == [  # type: ignore[arg-type]
        "3 of 120 training targets were longer than 16 tokens and were cut: raise max target length to keep them whole"]
    assert truncation_notes(SimpleNamespace(truncated_train_targets=0, truncated_train_rows=0), config, 120) == []  # type: ignore[arg-type]
