"""Members trained at different input lengths are scored in the ensemble's pass each at its own
lengths and precision: each member's results equal its own evaluation on the same rows (an
ensemble once scored every member at the longest length any of them used)."""

from __future__ import annotations

import pytest

from tuning_core.config import InitMethod, PromptConfig, ScoringOptions
from tuning_core.ensemble import evaluate_ensemble
from tuning_core.errors import ConfigError
from tuning_core.evaluate import evaluate
from tuning_core.prompt_init import init_prompt

LABELS = ["negative", "positive"]


def test_each_member_equals_its_own_evaluation(base, val_rows):
    prompts = [init_prompt(base, PromptConfig(prompt_length=n, init=InitMethod.RANDOM), seed=s)
               for n, s in ((3, 1), (5, 2), (4, 3))]
    # Short enough that the first member's inputs are cut where the others' are not.
    scorings = [ScoringOptions(max_input_length=6, precision="fp32"), ScoringOptions(max_input_length=64, precision="fp32"),
                ScoringOptions(max_input_length=6, precision="fp32")]
    together = evaluate_ensemble(base, prompts, val_rows, LABELS, scoring=scorings)
    for k, (prompt, options) in enumerate(zip(prompts, scorings)):
        alone = evaluate(base, prompt, val_rows, mode="rank", label_words=LABELS, scoring=options)
        assert together.member_metrics[k] == alone.metrics
        for mine, own in zip(together.member_predictions[k], alone.predictions):
            assert mine.predicted == own.predicted
            assert mine.scores == pytest.approx(own.scores, abs=1e-4)
    cut_short = evaluate(base, prompts[1], val_rows, mode="rank", label_words=LABELS, scoring=scorings[0])
    differences = [abs(a.scores["positive"] - b.scores["positive"])
                   for a, b in zip(cut_short.predictions, together.member_predictions[1])]
    assert max(differences) > 1e-3, "the lengths made no difference: the test would prove nothing"


def test_one_option_per_member_or_one_for_all(base, val_rows):
    prompt = init_prompt(base, PromptConfig(prompt_length=3, init=InitMethod.RANDOM), seed=1)
    with pytest.raises(ConfigError, match="2 scoring options for 1 prompts"):
        evaluate_ensemble(base, [prompt], val_rows, LABELS, scoring=[ScoringOptions(), ScoringOptions()])
