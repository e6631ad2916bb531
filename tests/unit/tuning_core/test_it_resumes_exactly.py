"""A resumed run ends exactly where an uninterrupted one does (prompt, losses, best step)."""

from __future__ import annotations

import pytest
import torch

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.errors import ConfigError
from tuning_core.train import CHECKPOINT_FILE, train

PROMPT = PromptConfig(prompt_length=5, label_words=("positive", "negative"))
# The model's own dropout (0.1) stays on: resumption must restore the RNG, not avoid it.
CONFIG = TrainConfig(batch_size=8, max_steps=14, eval_every=4, log_every=1, seed=7)


class Crash(Exception):
    pass


def _same(a, b):
    assert a.train_losses == b.train_losses
    assert torch.equal(a.prompt, b.prompt)
    assert torch.equal(a.last_prompt, b.last_prompt)
    assert (a.best_step, a.best_metrics, a.evaluations) == (
        b.best_step,
        b.best_metrics,
        b.evaluations,
    )
    assert a.steps_completed == b.steps_completed == CONFIG.max_steps


def test_it_resumes_after_a_cancel(base, train_rows, val_rows, tmp_path):
    straight = train(base, PROMPT, CONFIG, train_rows, val_rows, checkpoint_dir=tmp_path / "a")
    calls = {"n": 0}

    def stop_after_six() -> bool:
        calls["n"] += 1
        return calls["n"] > 6

    first = train(
        base,
        PROMPT,
        CONFIG,
        train_rows,
        val_rows,
        checkpoint_dir=tmp_path / "b",
        should_stop=stop_after_six,
    )
    assert first.stopped_reason == "cancelled"
    assert first.steps_completed == 6
    resumed = train(base, PROMPT, CONFIG, train_rows, val_rows, checkpoint_dir=tmp_path / "b")
    assert resumed.resumed_from_step == 6
    assert resumed.stopped_reason == "max_steps"
    _same(straight, resumed)


def test_it_resumes_from_the_last_evaluation_after_a_crash(base, train_rows, val_rows, tmp_path):
    straight = train(base, PROMPT, CONFIG, train_rows, val_rows)

    def crash_at_step_ten(event):
        if event.step == 10 and event.kind == "step":
            raise Crash()

    with pytest.raises(Crash):
        train(
            base,
            PROMPT,
            CONFIG,
            train_rows,
            val_rows,
            checkpoint_dir=tmp_path,
            on_progress=crash_at_step_ten,
        )
    assert (tmp_path / CHECKPOINT_FILE).exists()
    assert not list(tmp_path.glob("*.tmp-*")), "checkpoints are written atomically"
    events = []
    resumed = train(
        base,
        PROMPT,
        CONFIG,
        train_rows,
        val_rows,
        checkpoint_dir=tmp_path,
        on_progress=events.append,
    )
    assert resumed.resumed_from_step == 8  # the evaluation before the crash
    assert [e.step for e in events if e.kind == "step"] == list(range(9, 15))
    _same(straight, resumed)


def test_it_returns_a_finished_run_from_its_checkpoint(base, train_rows, val_rows, tmp_path):
    done = train(base, PROMPT, CONFIG, train_rows, val_rows, checkpoint_dir=tmp_path)
    again = train(base, PROMPT, CONFIG, train_rows, val_rows, checkpoint_dir=tmp_path)
    assert again.resumed_from_step == CONFIG.max_steps
    _same(done, again)


def test_it_refuses_a_checkpoint_from_another_configuration(base, train_rows, tmp_path):
    train(
        base,
        PROMPT,
        TrainConfig(batch_size=8, max_steps=4, eval_every=2),
        train_rows,
        checkpoint_dir=tmp_path,
    )
    with pytest.raises(ConfigError, match="different configuration.*batch_size"):
        train(
            base,
            PROMPT,
            TrainConfig(batch_size=4, max_steps=4, eval_every=2),
            train_rows,
            checkpoint_dir=tmp_path,
        )


def test_it_reports_the_same_loss_points_after_a_resume(base, train_rows, tmp_path):
    # Checkpoints come every 6 steps, loss points every 4: the point at step 8 averages
    # steps 5 to 8, two of which ran before the resume.
    config = TrainConfig(batch_size=8, max_steps=12, eval_every=6, log_every=4, seed=7)
    straight: list = []
    train(base, PROMPT, config, train_rows, on_progress=straight.append)
    calls = {"n": 0}

    def stop_before_step_seven() -> bool:
        calls["n"] += 1
        return calls["n"] == 7

    first: list = []
    train(base, PROMPT, config, train_rows, checkpoint_dir=tmp_path,
          on_progress=first.append, should_stop=stop_before_step_seven)
    resumed: list = []
    result = train(base, PROMPT, config, train_rows, checkpoint_dir=tmp_path,
                   on_progress=resumed.append)

    assert result.resumed_from_step == 6
    assert [(e.step, e.loss) for e in first + resumed] == [(e.step, e.loss) for e in straight]
