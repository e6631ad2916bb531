from __future__ import annotations

import pytest

from tuning_core.config import EvalMode, InitMethod, PromptConfig, TrainConfig
from tuning_core.errors import ConfigError


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prompt_length": 0, "init": "random"}, "prompt_length must be at least 1"),
        ({"prompt_length": 10**6, "init": "random"}, "prompt_length must be at most"),
        ({"prompt_length": 2.5, "init": "random"}, "whole number"),
        ({"init": "bogus"}, "init must be one of random, vocab, class_labels, from_file"),
        ({"init": "class_labels"}, "needs the task's label words"),
        ({"prompt_length": 1, "label_words": ("a", "b")}, "2 labels and only 1 prompt tokens"),
        ({"label_words": "positive"}, "not a single string"),
        ({"label_words": ("yes", "yes")}, "duplicates"),
        ({"init": "from_file"}, "needs init_from"),
        ({"init": "vocab", "init_from": "x.safetensors"}, "set init to 'from_file'"),
    ],
)
def test_it_rejects_bad_prompt_configs(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        PromptConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"learning_rate": 0}, "learning_rate must be above 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a number"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"batch_size": 4, "grad_accum_steps": 8}, "cannot exceed batch_size"),
        ({"max_steps": -1}, "max_steps"),
        ({"patience": 0}, "patience must be at least 1"),
        ({"dropout": 1.5}, "dropout must be at most"),
        ({"decay_rate": 0}, "decay_rate must be above 0"),
        ({"shuffle": "yes"}, "shuffle must be true or false"),
        ({"eval_mode": "accuracy"}, "eval_mode must be one of auto, rank, generate"),
        ({"max_input_length": 1}, "max_input_length must be at least 2"),
    ],
)
def test_it_rejects_bad_train_configs(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**kwargs)


def test_it_has_the_papers_defaults():
    config = TrainConfig()
    assert (
        config.learning_rate,
        config.weight_decay,
        config.decay_rate,
        config.batch_size,
        config.max_steps,
    ) == (0.3, 1e-5, 0.8, 32, 30_000)
    assert PromptConfig(label_words=("x",)).prompt_length == 100
    assert PromptConfig(label_words=("x",)).init is InitMethod.CLASS_LABELS


def test_it_round_trips_through_plain_dicts():
    prompt = PromptConfig(prompt_length=20, init=InitMethod.CLASS_LABELS, label_words=("yes", "no"))
    train = TrainConfig(patience=3, dropout=0.0, eval_mode=EvalMode.RANK)
    assert prompt.to_dict() == {
        "prompt_length": 20,
        "init": "class_labels",
        "init_from": None,
        "label_words": ["yes", "no"],
    }
    assert PromptConfig.from_dict(prompt.to_dict()) == prompt
    assert TrainConfig.from_dict(train.to_dict()) == train
    import json

    assert TrainConfig.from_dict(json.loads(json.dumps(train.to_dict()))) == train


def test_it_names_unknown_keys_with_a_suggestion():
    with pytest.raises(ConfigError, match="'learning_rat' \\(did you mean 'learning_rate'\\?\\)"):
        TrainConfig.from_dict({"learning_rat": 0.1})
