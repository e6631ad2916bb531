"""`attention_dropout=False` drops attention-probability dropout only, and only for the run."""

from __future__ import annotations

import pytest
from torch import nn

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.errors import ConfigError
from tuning_core.model import dropout_override
from tuning_core.train import train

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))


def _rates(model) -> tuple[set[float], set[float]]:
    """(nn.Dropout rates, attention-probability rates) present in the model."""
    layers = {m.p for m in model.modules() if isinstance(m, nn.Dropout)}
    attention = {
        m.dropout
        for m in model.modules()
        if not isinstance(m, nn.Dropout) and isinstance(getattr(m, "dropout", None), float)
    }
    return layers, attention


def test_it_is_on_by_default_as_in_the_recipe():
    assert TrainConfig().attention_dropout is True


def test_it_zeroes_attention_dropout_and_keeps_the_layers_own(base):
    assert _rates(base.model) == ({0.1}, {0.1})
    with dropout_override(base.model, None, attention=False):
        assert _rates(base.model) == ({0.1}, {0.0})
    with dropout_override(base.model, 0.2, attention=False):
        assert _rates(base.model) == ({0.2}, {0.0})
    assert _rates(base.model) == ({0.1}, {0.1})


def test_it_changes_the_run_and_leaves_the_shared_model_as_it_was(base, train_rows):
    config = TrainConfig(batch_size=8, max_steps=3, eval_every=100, seed=1)
    with_attention = train(base, PROMPT, config, train_rows)
    without = train(
        base, PROMPT, TrainConfig(**{**config.to_dict(), "attention_dropout": False}), train_rows
    )
    assert with_attention.train_losses != without.train_losses
    assert _rates(base.model) == ({0.1}, {0.1})


def test_it_refuses_a_non_boolean():
    with pytest.raises(ConfigError, match="attention_dropout must be true or false"):
        TrainConfig(attention_dropout="no")
