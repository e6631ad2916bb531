from __future__ import annotations

import pytest
import torch

import tuning_core.train as train_module
from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.errors import NonFiniteLossError
from tuning_core.train import train

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))


def test_it_cancels_at_once_and_returns_the_last_prompt(base, train_rows):
    result = train(
        base, PROMPT, TrainConfig(batch_size=8, max_steps=50), train_rows, should_stop=lambda: True
    )
    assert result.stopped_reason == "cancelled"
    assert result.steps_completed == 0
    assert not result.evaluated
    assert result.best_step is None
    assert result.prompt.shape == (4, base.info.d_model)


def test_it_stops_early_without_improvement(base, train_rows, val_rows):
    # A vanishing learning rate keeps the validation accuracy fixed: no evaluation improves.
    config = TrainConfig(learning_rate=1e-12, batch_size=8, max_steps=40, eval_every=2, patience=3)
    result = train(base, PROMPT, config, train_rows, val_rows)
    assert result.stopped_reason == "early_stopping"
    assert result.best_step == 2
    assert result.steps_completed == 8
    assert [e["step"] for e in result.evaluations] == [2, 4, 6, 8]


def test_it_keeps_the_best_prompt(base, train_rows, val_rows):
    result = train(
        base, PROMPT, TrainConfig(batch_size=8, max_steps=12, eval_every=3), train_rows, val_rows
    )
    best = max(result.evaluations, key=lambda e: e["accuracy"])
    assert result.best_step == best["step"] or result.best_metrics["accuracy"] == best["accuracy"]
    if result.best_step != 12:
        assert not torch.equal(result.prompt, result.last_prompt)


def test_it_stops_on_a_non_finite_loss(base, train_rows, monkeypatch):
    monkeypatch.setattr(train_module, "_train_step", lambda *a, **k: float("nan"))
    with pytest.raises(NonFiniteLossError, match="step 1.*lower the learning rate"):
        train(base, PROMPT, TrainConfig(batch_size=8, max_steps=5), train_rows)
    assert not base.model.training


def test_it_accumulates_gradients_without_changing_them(base, train_rows):
    one = train(base, PROMPT, TrainConfig(batch_size=8, max_steps=4, dropout=0.0), train_rows)
    four = train(
        base,
        PROMPT,
        TrainConfig(batch_size=8, grad_accum_steps=4, max_steps=4, dropout=0.0),
        train_rows,
    )
    for a, b in zip(one.train_losses, four.train_losses):
        assert abs(a - b) <= 1e-5 * abs(a)
    torch.testing.assert_close(one.prompt, four.prompt, rtol=1e-4, atol=1e-5)


def test_it_restores_the_models_dropout(base, train_rows):
    before = base.model.config.dropout_rate
    train(base, PROMPT, TrainConfig(batch_size=8, max_steps=2, dropout=0.3), train_rows)
    assert base.model.config.dropout_rate == before
    assert {m.p for m in base.model.modules() if isinstance(m, torch.nn.Dropout)} == {before}
    attention = [m for m in base.model.modules() if type(m).__name__ == "T5Attention"]
    assert attention
    assert {m.dropout for m in attention} == {before}
