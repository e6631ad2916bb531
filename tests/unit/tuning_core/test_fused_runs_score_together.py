"""Fused training: runs due for evaluation together that rank the same validation rows score in
one multi-prompt pass, with the results each would have had alone."""

from __future__ import annotations

import pytest

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.fused import FusedTrainer
from tuning_core.train import TrainingRun, train

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))


def _config(learning_rate: float, seed: int, **overrides) -> TrainConfig:
    return TrainConfig(batch_size=8, max_steps=6, eval_every=3, dropout=0.0, precision="fp32", eval_sample=None,
                       learning_rate=learning_rate, seed=seed, **overrides)


def test_a_sweeps_runs_score_in_one_pass_as_they_would_alone(base, train_rows, val_rows):
    configs = [_config(0.1, 1), _config(0.05, 2), _config(0.1, 3, max_target_length=12)]
    alone = [train(base, PROMPT, c, train_rows, val_rows) for c in configs]

    trainer = FusedTrainer(base, share_passes=True)
    futures = [trainer.add(TrainingRun(base, PROMPT, c, train_rows, val_rows)) for c in configs]
    trainer.train_all()

    # Steps 3 and 6: the first two runs share a pass; the third scores its labels differently
    # (another target length) and so alone.
    assert trainer.shared_scorings == 2
    for future, solo in zip(futures, alone):
        result = future.result()
        assert [e["step"] for e in result.evaluations] == [3, 6]
        for mine, theirs in zip(result.evaluations, solo.evaluations):
            assert mine == pytest.approx(theirs, abs=1e-6)
        assert result.best_step == solo.best_step
