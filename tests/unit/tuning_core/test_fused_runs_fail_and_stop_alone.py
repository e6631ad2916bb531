"""Fused training: a run that is cancelled, diverges or raises ends alone; the others go on and
still end exactly as they would alone."""

from __future__ import annotations

import pytest

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.errors import ConfigError, NonFiniteLossError
from tuning_core.fused import FusedTrainer
from tuning_core.train import TrainingRun, train

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))
CONFIG = TrainConfig(batch_size=8, max_steps=6, eval_every=3, dropout=0.0, precision="fp32", learning_rate=0.1)


@pytest.fixture
def solo(base, train_rows, val_rows):
    """The steady run, trained alone: what it must equal after its neighbours' trouble."""
    return train(base, PROMPT, CONFIG, train_rows, val_rows)


def _steady_equals(result, solo) -> None:
    assert result.steps_completed == solo.steps_completed == 6
    assert max(abs(a - b) for a, b in zip(result.train_losses, solo.train_losses)) <= 1e-5
    assert (result.last_prompt - solo.last_prompt).abs().max().item() <= 1e-5


def test_a_cancelled_run_leaves_and_the_other_goes_on(base, train_rows, val_rows, solo):
    steps = {"n": 0}

    def count(event) -> None:
        steps["n"] = event.step

    trainer = FusedTrainer(base, share_passes=True)
    steady = trainer.add(TrainingRun(base, PROMPT, CONFIG, train_rows, val_rows))
    cancelled = trainer.add(TrainingRun(
        base, PROMPT, TrainConfig(batch_size=4, max_steps=6, log_every=1, dropout=0.0, precision="fp32", seed=5),
        train_rows, on_progress=count, should_stop=lambda: steps["n"] >= 2,
    ))
    trainer.train_all()
    assert cancelled.result().stopped_reason == "cancelled"
    assert cancelled.result().steps_completed == 2
    _steady_equals(steady.result(), solo)


def test_a_diverging_run_fails_alone(base, train_rows, val_rows, solo):
    trainer = FusedTrainer(base, share_passes=True)
    steady = trainer.add(TrainingRun(base, PROMPT, CONFIG, train_rows, val_rows))
    diverging = TrainingRun(base, PROMPT, CONFIG, train_rows, val_rows)
    diverging.soft.weight.data[0, 0] = float("nan")
    failed = trainer.add(diverging)
    trainer.train_all()
    with pytest.raises(NonFiniteLossError, match="at step 1"):
        failed.result()
    _steady_equals(steady.result(), solo)


def test_a_run_whose_rows_break_the_pass_fails_alone(base, train_rows, val_rows, solo):
    trainer = FusedTrainer(base, share_passes=True)
    steady = trainer.add(TrainingRun(base, PROMPT, CONFIG, train_rows, val_rows))
    broken = TrainingRun(base, PROMPT, CONFIG, train_rows, val_rows)
    for row in broken.data.train.input_ids:
        row[0] = 10**7  # no such token: the embedding lookup of the fused pass raises
    failed = trainer.add(broken)
    trainer.train_all()
    with pytest.raises(IndexError):
        failed.result()
    _steady_equals(steady.result(), solo)


def test_a_run_whose_own_step_raises_fails_alone(base, train_rows, val_rows, solo):
    class Flaky(TrainingRun):
        def next_batch(self) -> list[int]:
            if self.progress.step == 2:
                raise RuntimeError("the data went away")
            return super().next_batch()

    trainer = FusedTrainer(base, share_passes=True)
    steady = trainer.add(TrainingRun(base, PROMPT, CONFIG, train_rows, val_rows))
    flaky = trainer.add(Flaky(base, PROMPT, CONFIG, train_rows, val_rows))
    trainer.train_all()
    with pytest.raises(RuntimeError, match="the data went away"):
        flaky.result()
    _steady_equals(steady.result(), solo)


def test_runs_trained_together_share_one_precision(base, train_rows):
    trainer = FusedTrainer(base, share_passes=True)
    trainer.add(TrainingRun(base, PROMPT, CONFIG, train_rows))
    bf16 = TrainingRun(base, PROMPT, TrainConfig(max_steps=2, precision="bf16"), train_rows)
    with pytest.raises(ConfigError, match="share one precision"):
        trainer.add(bf16)
