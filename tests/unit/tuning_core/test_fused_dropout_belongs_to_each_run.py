"""Fused training with dropout: a run's masks come from its own generator, so its trajectory is
the same beside any other runs, and a run resumed from its checkpoint continues it."""

from __future__ import annotations

from dataclasses import replace

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.fused import RUN_GENERATOR, FusedTrainer
from tuning_core.train import CHECKPOINT_FILE, TrainingRun, load_checkpoint

PROMPT = PromptConfig(prompt_length=4, label_words=("positive", "negative"))
# lr 0.05 keeps this random model's trajectory smooth enough to compare to 1e-5 (see the exactness test).
WITH_DROPOUT = TrainConfig(batch_size=8, max_steps=8, eval_every=3, dropout=0.1, seed=7, precision="fp32",
                           learning_rate=0.05, log_every=1)


def _neighbours(base, train_rows) -> list[TrainingRun]:
    """Runs that share the passes: the model's own dropout, and more dropout on layers only."""
    return [
        TrainingRun(base, PromptConfig(prompt_length=9, init="vocab"), TrainConfig(batch_size=5, max_steps=8, seed=1,
                                                                      precision="fp32"), train_rows),
        TrainingRun(base, PromptConfig(prompt_length=2, init="random"), TrainConfig(batch_size=3, max_steps=5, dropout=0.3,
                                                                      attention_dropout=False, seed=2,
                                                                      precision="fp32"), train_rows),
    ]


def _train(base, runs: list[TrainingRun]):
    trainer = FusedTrainer(base, share_passes=True)
    futures = [trainer.add(run) for run in runs]
    trainer.train_all()
    return [f.result() for f in futures]


def _assert_same(a, b) -> None:
    assert len(a.train_losses) == len(b.train_losses)
    assert max(abs(x - y) for x, y in zip(a.train_losses, b.train_losses)) <= 1e-5
    assert (a.last_prompt - b.last_prompt).abs().max().item() <= 1e-5


def test_a_runs_masks_do_not_depend_on_its_neighbours(base, train_rows, val_rows):
    (alone,) = _train(base, [TrainingRun(base, PROMPT, WITH_DROPOUT, train_rows, val_rows)])
    together, *_ = _train(base, [TrainingRun(base, PROMPT, WITH_DROPOUT, train_rows, val_rows),
                                 *_neighbours(base, train_rows)])
    _assert_same(together, alone)
    (without,) = _train(base, [TrainingRun(base, PROMPT, replace(WITH_DROPOUT, dropout=0.0), train_rows, val_rows)])
    assert max(abs(x - y) for x, y in zip(alone.train_losses, without.train_losses)) > 1e-3  # dropout ran
    # The shared model is left as it was found: its own attention and dropout layers.
    assert base.model.config._attn_implementation == "sdpa"
    assert not any("forward" in vars(m) for m in base.model.modules())


def test_a_resumed_run_continues_its_own_trajectory(base, train_rows, val_rows, tmp_path):
    (uninterrupted,) = _train(base, [TrainingRun(base, PROMPT, WITH_DROPOUT, train_rows, val_rows)])

    steps = {"n": 0}
    first = TrainingRun(base, PROMPT, WITH_DROPOUT, train_rows, val_rows, checkpoint_dir=tmp_path,
                        on_progress=lambda event: steps.update(n=event.step),
                        should_stop=lambda: steps["n"] >= 5)
    stopped, *_ = _train(base, [first, *_neighbours(base, train_rows)])
    assert (stopped.stopped_reason, stopped.steps_completed) == ("cancelled", 5)
    assert RUN_GENERATOR in load_checkpoint(tmp_path / CHECKPOINT_FILE)["rng"]

    # Resumed beside other runs than before: it still ends as if never stopped.
    resumed, _ = _train(base, [TrainingRun(base, PROMPT, WITH_DROPOUT, train_rows, val_rows,
                                           checkpoint_dir=tmp_path), _neighbours(base, train_rows)[1]])
    assert resumed.resumed_from_step == 5
    _assert_same(resumed, uninterrupted)
