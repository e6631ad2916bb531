"""One rule (tuning_core.task) decides task kind, evaluation mode and headline metric."""

from __future__ import annotations

import pytest

from tuning_core.config import EvalMode
from tuning_core.task import (
    MAX_LABELS,
    TaskKind,
    eval_mode_for,
    headline_metric_for,
    headline_metric_of,
    resolve,
    task_kind_of,
)

SENTENCES = [f"The answer to question {i} is a full sentence of words" for i in range(20)]


@pytest.mark.parametrize(("values", "rows", "kind"), [
    (["negative", "positive"], 100, TaskKind.CLASSIFICATION),
    (["entailment", "not entailment"], 10, TaskKind.CLASSIFICATION),
    ([str(i) for i in range(MAX_LABELS)], 10_000, TaskKind.CLASSIFICATION),
    ([str(i) for i in range(MAX_LABELS + 1)], 10_000, TaskKind.GENERATION),
    (["a", "b", "c", "d", "e"], 10, TaskKind.CLASSIFICATION),  # half the rows: still labels
    (["a", "b", "c", "d", "e", "f"], 10, TaskKind.GENERATION),  # more than half: free text
    (SENTENCES, 60, TaskKind.GENERATION),  # 20 sentence answers repeated in 60 rows
    ([], 0, TaskKind.GENERATION),
    (None, 1_000, TaskKind.GENERATION),  # more distinct values than a scan keeps
])
def test_it_tells_label_sets_from_free_text(values, rows: int, kind: TaskKind) -> None:
    assert task_kind_of(values, rows) is kind


def test_classification_is_ranked_and_headed_by_accuracy() -> None:
    assert eval_mode_for("classification") is EvalMode.RANK
    assert headline_metric_for(eval_mode_for(TaskKind.CLASSIFICATION)) == "accuracy"


def test_generation_is_decoded_and_headed_by_exact_match() -> None:
    assert eval_mode_for("generation") is EvalMode.GENERATE
    assert headline_metric_for("generate") == "exact_match"


def test_resolve_guesses_from_every_target_seen() -> None:
    task = resolve(["positive", "negative"] * 20)
    assert (task.kind, task.eval_mode, task.label_words) == (
        TaskKind.CLASSIFICATION, EvalMode.RANK, ("negative", "positive"))
    assert task.headline_metric == "accuracy"
    free = resolve(SENTENCES * 3)
    assert (free.kind, free.eval_mode, free.label_words, free.headline_metric) == (
        TaskKind.GENERATION, EvalMode.GENERATE, None, "exact_match")


def test_resolve_keeps_what_is_given() -> None:
    # Given label words make classification, in their own order.
    assert resolve(SENTENCES, label_words=["yes", "no"]).label_words == ("yes", "no")
    assert resolve(SENTENCES, label_words=["yes", "no"]).kind is TaskKind.CLASSIFICATION
    # A stored kind wins over the targets, and an explicit mode over the kind.
    assert resolve(kind="generation").eval_mode is EvalMode.GENERATE
    assert resolve(["a", "b"] * 10, kind="generation").kind is TaskKind.GENERATION
    generated = resolve(["a", "b"] * 10, mode="generate")
    assert (generated.eval_mode, generated.label_words) == (EvalMode.GENERATE, ("a", "b"))
    # Rank evaluation of any targets ranks their distinct values.
    assert resolve(SENTENCES, mode="rank").label_words == tuple(sorted(SENTENCES))


def test_metrics_without_their_mode_are_headed_by_what_they_hold() -> None:
    assert headline_metric_of({"accuracy": 0.5, "exact_match": 0.5}) == "accuracy"
    assert headline_metric_of({"exact_match": 0.5, "f1": 0.7}) == "exact_match"
