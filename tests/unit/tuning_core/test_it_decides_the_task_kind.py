"""One rule (tuning_core.task) decides task kind, evaluation mode and headline metric."""

from __future__ import annotations

import pytest

from tuning_core.config import EvalMode
from tuning_core.task import MAX_LABELS, TaskKind, eval_mode_for, headline_metric_for, task_kind_of

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
