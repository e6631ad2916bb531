"""How an ensemble's members' label scores become one answer, and what a vote's result holds.

Plain Python on (K members, L labels) score lists, no torch: the web process explains the votes of
scores a prediction server sent it (the predict API, the playground) and never loads a model.
`tuning_core.ensemble` scores the members and votes through these same functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuning_core.evaluate import Prediction

Scores = Sequence[Sequence[float]]  # (K members, L labels): each member's log-likelihood of each label


def log_softmax(row: Sequence[float]) -> list[float]:
    top = max(row)
    log_total = top + math.log(sum(math.exp(x - top) for x in row))
    return [x - log_total for x in row]


def softmax(row: Sequence[float]) -> list[float]:
    return [math.exp(x) for x in log_softmax(row)]


def mean_log_probs(member_scores: Scores) -> list[float]:
    """Each label's log-probability over the label set, averaged over the members."""
    normalised = [log_softmax(row) for row in member_scores]
    return [sum(column) / len(normalised) for column in zip(*normalised, strict=True)]


def first_max(row: Sequence[float]) -> int:
    """argmax; a tie goes to the first label, as torch's argmax."""
    return max(range(len(row)), key=lambda j: (row[j], -j))


class Voting(str, Enum):
    MAJORITY = "majority"  # most members' choice; ties by summed log-likelihood (the paper)
    SOFT = "soft"  # highest mean log-probability over the label set


@dataclass(frozen=True)
class EnsemblePrediction:
    index: int
    input_text: str
    target_text: str
    predicted: str
    correct: bool
    votes: dict[str, int]  # label -> number of members choosing it
    member_predictions: list[str]
    summed_scores: dict[str, float]  # label -> log-likelihood summed over members
    # label -> mean over members of log Pr(label | x) normalised over the label set
    mean_log_probs: dict[str, float] = field(default_factory=dict)
    # majority: votes of the winner minus the runner-up's (0..K); soft: the winner's ensemble
    # probability minus the runner-up's (softmax of mean_log_probs, 0..1)
    margin: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EnsembleResult:
    metrics: dict[str, Any]  # the ensemble's classification metrics
    member_metrics: list[dict[str, Any]]  # each member's own metrics, in input order
    agreement: dict[str, Any]
    predictions: list[EnsemblePrediction]
    label_words: list[str]
    voting: Voting = Voting.MAJORITY
    # each member's own predictions with its label scores, as `evaluate` gives them, from the
    # same pass (left out of to_dict: K copies of the data)
    member_predictions: list[list[Prediction]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics,
            "member_metrics": self.member_metrics,
            "agreement": self.agreement,
            "label_words": self.label_words,
            "voting": self.voting.value,
            "predictions": [p.to_dict() for p in self.predictions],
        }


def majority_vote(member_predictions: Sequence[int], summed_scores: Sequence[float]) -> int:
    """Index of the label most members chose; ties broken by summed log-likelihood, then by order."""
    counts: dict[int, int] = {}
    for j in member_predictions:
        counts[j] = counts.get(j, 0) + 1
    top = max(counts.values())
    tied = sorted(j for j, c in counts.items() if c == top)
    return max(tied, key=lambda j: (summed_scores[j], -j))


def soft_vote(mean_log_probs: Sequence[float]) -> int:
    """Index of the label with the highest mean log-probability; ties go to the first label."""
    return first_max(mean_log_probs)


def vote_margin(voting: Voting, member_predictions: Sequence[int], mean_log_probs: Sequence[float],
                winner: int) -> float:
    """How clearly the vote was won (see EnsemblePrediction.margin)."""
    if voting is Voting.SOFT:
        probs = softmax(mean_log_probs)
        runner_up = max((p for j, p in enumerate(probs) if j != winner), default=0.0)
        return probs[winner] - runner_up
    counts = [0] * len(mean_log_probs)
    for j in member_predictions:
        counts[j] += 1
    runner_up = max((c for j, c in enumerate(counts) if j != winner), default=0)
    return float(counts[winner] - runner_up)


def vote(member_scores: Scores, voting: Voting | str = Voting.MAJORITY) -> tuple[int, list[int]]:
    """One example's vote from its members' label scores (K, L): the winning label index and the
    label each member chose."""
    choices = [first_max(row) for row in member_scores]
    if Voting(voting) is Voting.SOFT:
        return soft_vote(mean_log_probs(member_scores)), choices
    return majority_vote(choices, [sum(column) for column in zip(*member_scores, strict=True)]), choices


@dataclass(frozen=True)
class VoteOutcome:
    """One input's vote, as the predict API and the playground show it."""

    winner: str
    votes: dict[str, int]  # label -> members choosing it
    member_labels: list[str]  # each member's own choice, in member order
    probabilities: dict[str, float]  # softmax of the members' mean log-probability over the labels


def explain_vote(member_scores: Scores, labels: Sequence[str], voting: Voting | str = Voting.MAJORITY) -> VoteOutcome:
    """`vote` on one input's (K, L) label scores, with the counts and soft probabilities beside it."""
    winner, choices = vote(member_scores, voting)
    return VoteOutcome(winner=labels[winner], votes={label: choices.count(j) for j, label in enumerate(labels)},
                       member_labels=[labels[c] for c in choices],
                       probabilities=dict(zip(labels, softmax(mean_log_probs(member_scores)), strict=True)))
