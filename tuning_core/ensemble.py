"""Prompt ensembles: N prompts for one task, scored together on the shared frozen model.

Each batch holds every (example, prompt) pair, so the N members cost one pass over the data
(section 7 of the paper). The ensemble answers by majority vote over the members' rank
predictions; a tie goes to the tied label with the highest log-likelihood summed over members.
A "soft" vote takes the label of highest mean log-probability instead (each member's label
log-likelihoods normalised over the label set first, so every member weighs the same).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from tuning_core.config import DEFAULT_SCORING, ScoringOptions
from tuning_core.data import as_text_dataset, tokenize
from tuning_core.errors import ConfigError
from tuning_core.evaluate import (
    Progress,
    build_predictions,
    label_token_ids,
    resolve_labels,
    score_labels,
)
from tuning_core.metrics import classification_metrics
from tuning_core.model import FrozenT5
from tuning_core.voting import EnsemblePrediction, EnsembleResult, Voting, majority_vote, soft_vote, vote_margin


def score_texts(
    base: FrozenT5,
    prompts: Sequence[Tensor],
    texts: Sequence[str],
    label_words: Sequence[str],
    *,
    scoring: ScoringOptions = DEFAULT_SCORING,
) -> Tensor:
    """Log-likelihood of each label after each input text under each prompt: (K, N, L), one
    mixed-prompt pass per batch (every row pairs an input with one of the K prompts)."""
    labels = list(label_words)
    data = {"input_text": list(texts), "target_text": [labels[0]] * len(texts)}
    tokenized = tokenize(data, base.tokenizer, max_input_length=scoring.max_input_length,
                         max_target_length=scoring.max_target_length)
    return score_labels(base, prompts, tokenized, label_token_ids(base, labels, scoring.max_target_length),
                        batch_size=scoring.batch_size, precision=scoring.precision)


def evaluate_ensemble(
    base: FrozenT5,
    prompts: Sequence[Tensor],
    data: Any,
    label_words: Sequence[str] | None = None,
    *,
    scoring: ScoringOptions | Sequence[ScoringOptions] = DEFAULT_SCORING,
    progress: Progress | None = None,
    voting: Voting | str = Voting.MAJORITY,
) -> EnsembleResult:
    """Score every prompt (each (p_k, d); lengths may differ) on `data` in one batched pass.

    `scoring` is one ScoringOptions for every member, or one per member: each member is then
    scored at its own lengths and precision, exactly as its own evaluation scores it (members
    sharing options share a pass).

    Returns the vote's metrics, each member's metrics and predictions, agreement statistics
    (unanimous rate, mean pairwise agreement, the pairwise matrix as rates and counts, the
    oracle accuracy: any member right) and per-example votes. voting: majority or soft.
    """
    if len(prompts) < 1:
        raise ConfigError("An ensemble needs at least one prompt")
    try:
        voting = Voting(voting)
    except ValueError:
        raise ConfigError(f"Unknown voting rule {voting!r}; use 'majority' or 'soft'") from None
    ds = as_text_dataset(data)
    inputs, targets = list(ds["input_text"]), list(ds["target_text"])
    labels = resolve_labels(targets, label_words)
    scorings = [scoring] * len(prompts) if isinstance(scoring, ScoringOptions) else list(scoring)
    if len(scorings) != len(prompts):
        raise ConfigError(f"{len(scorings)} scoring options for {len(prompts)} prompts: give one, or one per prompt")
    scores = member_scores(base, prompts, ds, labels, scorings, progress)  # (K, N, L)
    member_idx = scores.argmax(dim=2)  # (K, N)
    predictions = vote_predictions(scores, member_idx, inputs, targets, labels, voting)
    vote_metrics = classification_metrics(targets, [p.predicted for p in predictions], labels)
    member_labels = [[labels[j] for j in row] for row in member_idx.tolist()]
    member_metrics = [classification_metrics(targets, m, labels) for m in member_labels]
    agreement = agreement_statistics(member_idx, targets, labels)
    agreement["vote_accuracy_minus_best_member"] = (
        vote_metrics["accuracy"] - max(m["accuracy"] for m in member_metrics)
    )
    rows = scores.tolist()  # (K, N, L) as lists, once
    member_predictions = [
        build_predictions(inputs, targets, member_labels[k], scores=rows[k], labels=labels)
        for k in range(len(prompts))
    ]
    return EnsembleResult(
        metrics=vote_metrics,
        member_metrics=member_metrics,
        agreement=agreement,
        predictions=predictions,
        label_words=labels,
        voting=voting,
        member_predictions=member_predictions,
    )


def member_scores(base: FrozenT5, prompts: Sequence[Tensor], ds: Any, labels: Sequence[str],
                  scorings: Sequence[ScoringOptions], progress: Progress | None) -> Tensor:
    """Each prompt's label log-likelihoods (K, N, L) under its own scoring options: one mixed
    pass per group of members that share them."""
    groups: dict[ScoringOptions, list[int]] = {}
    for k, options in enumerate(scorings):
        groups.setdefault(options, []).append(k)
    n = len(ds)
    out = torch.empty(len(prompts), n, len(labels))
    for g, (options, members) in enumerate(groups.items()):
        tokenized = tokenize(ds, base.tokenizer, max_input_length=options.max_input_length,
                             max_target_length=options.max_target_length)

        def within(done: int, total: int, g: int = g) -> None:  # this group's share of the examples
            if progress is not None:
                progress((g * n + done) // len(groups), n)

        out[members] = score_labels(
            base, [prompts[k] for k in members], tokenized, label_token_ids(base, labels, options.max_target_length),
            batch_size=options.batch_size, progress=within, precision=options.precision,
        ).float()
    return out


def vote_predictions(
    scores: Tensor, member_idx: Tensor, inputs: Sequence[str], targets: Sequence[str], labels: Sequence[str],
    voting: Voting,
) -> list[EnsemblePrediction]:
    """Each example's vote from its members' scores (K, N, L) and choices (K, N)."""
    # Plain lists once, rather than one small tensor op per example.
    members_by_row = member_idx.T.tolist()
    sums_by_row = scores.sum(dim=0).tolist()  # (N, L)
    means_by_row = scores.log_softmax(dim=2).mean(dim=0).tolist()  # (N, L)
    predictions = []
    for i, (members, sums, means) in enumerate(zip(members_by_row, sums_by_row, means_by_row)):
        chosen = majority_vote(members, sums) if voting is Voting.MAJORITY else soft_vote(means)
        winner = labels[chosen]
        votes = {label: 0 for label in labels}
        for j in members:
            votes[labels[j]] += 1
        predictions.append(
            EnsemblePrediction(
                index=i,
                input_text=inputs[i],
                target_text=targets[i],
                predicted=winner,
                correct=winner == targets[i],
                votes=votes,
                member_predictions=[labels[j] for j in members],
                summed_scores=dict(zip(labels, sums)),
                mean_log_probs=dict(zip(labels, means)),
                margin=vote_margin(voting, members, means, chosen),
            )
        )
    return predictions


def agreement_statistics(member_idx: Tensor, targets: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """How the members (K, N choices) agree: unanimity, pairwise agreement as rates and
    counts, and the oracle accuracy (any member right)."""
    K, N = member_idx.shape
    pairwise_counts = [[int((member_idx[a] == member_idx[b]).sum()) for b in range(K)] for a in range(K)]
    pairwise = [[count / N if N else 1.0 for count in row] for row in pairwise_counts]
    gold_idx = torch.tensor([labels.index(t) for t in targets], dtype=torch.long)  # (N,)
    any_right = (member_idx == gold_idx.unsqueeze(0)).any(dim=0)  # (N,)
    pairs = list(itertools.combinations(range(K), 2))
    return {
        "unanimous_rate": float((member_idx == member_idx[0:1]).all(dim=0).float().mean()),
        "mean_pairwise_agreement": (sum(pairwise[a][b] for a, b in pairs) / len(pairs)) if pairs else 1.0,
        "pairwise": pairwise,
        "pairwise_counts": pairwise_counts,
        "oracle_accuracy": float(any_right.float().mean()) if N else 0.0,
    }
