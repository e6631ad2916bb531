"""The ensemble's one-pass vote equals the vote of its members evaluated alone."""

from __future__ import annotations

import pytest
import torch

from tuning_core.config import InitMethod, PromptConfig
from tuning_core.ensemble import evaluate_ensemble, majority_vote
from tuning_core.evaluate import evaluate
from tuning_core.prompt_init import init_prompt

LABELS = ["negative", "positive"]


def test_it_votes_like_the_members_run_alone(base, val_rows):
    prompts = [
        init_prompt(base, PromptConfig(prompt_length=n, init=InitMethod.RANDOM), seed=s)
        for n, s in ((3, 1), (6, 2), (4, 3))
    ]
    together = evaluate_ensemble(base, prompts, val_rows, LABELS, batch_size=8)
    alone = [evaluate(base, p, val_rows, mode="rank", label_words=LABELS) for p in prompts]

    for i, pred in enumerate(together.predictions):
        members = [result.predictions[i] for result in alone]
        assert pred.member_predictions == [m.predicted for m in members]
        summed = [sum(m.scores[label] for m in members) for label in LABELS]
        assert pred.summed_scores == pytest.approx(dict(zip(LABELS, summed)), abs=1e-4)
        expected = LABELS[majority_vote([LABELS.index(m.predicted) for m in members], summed)]
        assert pred.predicted == expected
        assert sum(pred.votes.values()) == 3
    for k, result in enumerate(alone):
        assert together.member_metrics[k]["accuracy"] == result.metrics["accuracy"]
    agreement = together.agreement
    assert 0.0 <= agreement["unanimous_rate"] <= agreement["mean_pairwise_agreement"] <= 1.0
    assert agreement["pairwise"][0][0] == 1.0
    assert together.to_dict()["metrics"]["count"] == len(val_rows)


def test_it_breaks_ties_by_summed_log_likelihood():
    assert majority_vote([0, 1, 1], [-1.0, -9.0]) == 1  # majority wins over likelihood
    assert majority_vote([0, 1], [-5.0, -2.0]) == 1  # tie: higher summed log-likelihood
    assert majority_vote([0, 1], [-2.0, -5.0]) == 0
    assert majority_vote([1, 0], [-2.0, -2.0]) == 0  # full tie: first label


def test_it_scores_a_single_prompt_like_evaluate(base, val_rows):
    prompt = init_prompt(base, PromptConfig(prompt_length=4, init=InitMethod.VOCAB))
    one = evaluate_ensemble(base, [prompt], val_rows, LABELS)
    alone = evaluate(base, prompt, val_rows, label_words=LABELS)
    assert [p.predicted for p in one.predictions] == [p.predicted for p in alone.predictions]
    assert torch.is_tensor(prompt)
