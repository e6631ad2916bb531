"""The ensemble's one-pass vote equals the vote of its members evaluated alone."""

from __future__ import annotations

import pytest
import torch

from tuning_core.config import InitMethod, PromptConfig, ScoringOptions
from tuning_core.ensemble import evaluate_ensemble
from tuning_core.evaluate import evaluate
from tuning_core.prompt_init import init_prompt
from tuning_core.voting import majority_vote

LABELS = ["negative", "positive"]
# Compared in fp32: a pass of three prompts and a pass of one round differently in bf16, and a
# random model's near ties then flip.


def test_it_votes_like_the_members_run_alone(base, val_rows):
    prompts = [
        init_prompt(base, PromptConfig(prompt_length=n, init=InitMethod.RANDOM), seed=s)
        for n, s in ((3, 1), (6, 2), (4, 3))
    ]
    together = evaluate_ensemble(base, prompts, val_rows, LABELS, scoring=ScoringOptions(batch_size=8, precision="fp32"))
    alone = [evaluate(base, p, val_rows, mode="rank", label_words=LABELS, scoring=ScoringOptions(precision="fp32")) for p in prompts]

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
    one = evaluate_ensemble(base, [prompt], val_rows, LABELS, scoring=ScoringOptions(precision="fp32"))
    alone = evaluate(base, prompt, val_rows, label_words=LABELS, scoring=ScoringOptions(precision="fp32"))
    assert [p.predicted for p in one.predictions] == [p.predicted for p in alone.predictions]
    assert torch.is_tensor(prompt)


def test_it_returns_each_members_predictions_from_the_same_pass(base, val_rows):
    prompts = [init_prompt(base, PromptConfig(prompt_length=3, init=InitMethod.RANDOM), seed=s) for s in (4, 5)]
    together = evaluate_ensemble(base, prompts, val_rows, LABELS, scoring=ScoringOptions(batch_size=8, precision="fp32"))
    for k, prompt in enumerate(prompts):
        alone = evaluate(base, prompt, val_rows, mode="rank", label_words=LABELS, scoring=ScoringOptions(precision="fp32"))
        assert [p.predicted for p in together.member_predictions[k]] == [p.predicted for p in alone.predictions]
        for mine, theirs in zip(together.member_predictions[k], alone.predictions):
            assert mine.scores == pytest.approx(theirs.scores, abs=1e-4)
    gold = [p.target_text for p in together.predictions]
    any_right = [any(m[i].predicted == gold[i] for m in together.member_predictions) for i in range(len(gold))]
    assert together.agreement["oracle_accuracy"] == pytest.approx(sum(any_right) / len(gold))
    assert together.agreement["pairwise_counts"][0][0] == len(gold)
    assert all(p.margin in (0.0, 2.0) for p in together.predictions)  # two members: tie or both agree


def test_a_soft_vote_takes_the_highest_mean_log_probability(base, val_rows):
    prompts = [init_prompt(base, PromptConfig(prompt_length=3, init=InitMethod.RANDOM), seed=s) for s in (6, 7, 8)]
    result = evaluate_ensemble(base, prompts, val_rows, LABELS, voting="soft", scoring=ScoringOptions(batch_size=8, precision="fp32"))
    for i, pred in enumerate(result.predictions):
        normalised = [torch.tensor([m[i].scores[label] for label in LABELS]).log_softmax(0)
                      for m in result.member_predictions]
        mean = torch.stack(normalised).mean(0)
        assert pred.predicted == LABELS[int(mean.argmax())]
        assert 0.0 <= pred.margin <= 1.0
    assert result.to_dict()["voting"] == "soft"


def test_typed_texts_are_scored_and_voted_as_in_an_evaluation(base, val_rows):
    from tuning_core.ensemble import score_texts
    from tuning_core.voting import vote

    prompts = [init_prompt(base, PromptConfig(prompt_length=3, init=InitMethod.RANDOM), seed=s) for s in (9, 10, 11)]
    rows = list(val_rows)[:5]
    scores = score_texts(base, prompts, [r["input_text"] for r in rows], LABELS, scoring=ScoringOptions(precision="fp32"))
    together = evaluate_ensemble(base, prompts, rows, LABELS, scoring=ScoringOptions(precision="fp32"))
    assert scores.shape == (3, 5, 2)
    for i, pred in enumerate(together.predictions):
        winner, choices = vote(scores[:, i, :].tolist())
        assert LABELS[winner] == pred.predicted
        assert [LABELS[c] for c in choices] == pred.member_predictions
