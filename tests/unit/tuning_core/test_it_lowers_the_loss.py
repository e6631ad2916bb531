from __future__ import annotations

import torch

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.train import ProgressEvent, train


def test_it_lowers_the_loss_on_a_tiny_model(base, train_rows, val_rows):
    events: list[ProgressEvent] = []
    before = [p.detach().clone() for p in base.model.parameters()]
    result = train(
        base,
        PromptConfig(prompt_length=8, label_words=("positive", "negative")),
        TrainConfig(batch_size=8, max_steps=40, eval_every=20, log_every=5),
        train_rows,
        val_rows,
        on_progress=events.append,
    )
    first, last = result.train_losses[:5], result.train_losses[-5:]
    assert sum(last) / 5 < 0.8 * sum(first) / 5
    assert result.steps_completed == 40
    assert result.stopped_reason == "max_steps"
    assert result.prompt.shape == (8, base.info.d_model)
    assert result.prompt.dtype == torch.float32
    assert result.evaluated
    assert result.metric_name == "accuracy"
    assert result.best_step in (20, 40)
    # The base model is frozen, and left in eval mode for the next user.
    assert all(torch.equal(a, b) for a, b in zip(before, base.model.parameters()))
    assert not any(p.requires_grad for p in base.model.parameters())
    assert not base.model.training
    kinds = [(e.kind, e.step) for e in events]
    assert kinds.count(("eval", 20)) == 1
    assert kinds.count(("eval", 40)) == 1
    assert [s for k, s in kinds if k == "step"] == list(range(5, 41, 5))
    assert all(e.total_steps == 40 for e in events)
    assert all(e.learning_rate == 0.3 for e in events)
    assert events[-1].examples_seen == 40 * 8
