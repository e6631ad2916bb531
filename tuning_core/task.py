"""One rule for what kind of task a dataset is, how it is evaluated, and which metric heads it.

The engine, the CLI, the worker and the web pages all ask `resolve` here; none of them guesses
on its own.

- A **classification** task has targets drawn from a small set of short label words
  ("positive", "not entailment"): few distinct values compared with the rows, at most
  `MAX_LABELS`, and short (a median of at most `MAX_LABEL_WORDS` words). It is scored by rank
  classification (each label's log-likelihood, the paper's section 3), headed by accuracy.
- Anything else is **generation** (free text: answers, summaries), scored by greedy decoding,
  headed by exact match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from statistics import median
from typing import Any

from tuning_core.config import EvalMode

# More distinct targets than this is free text, not a label set.
MAX_LABELS = 50
# Label words are a word or a few; sentences are answers to generate.
MAX_LABEL_WORDS = 3


class TaskKind(str, Enum):
    CLASSIFICATION = "classification"
    GENERATION = "generation"


def is_label_set(distinct_values: Iterable[str], rows: int, *, max_labels: int = MAX_LABELS) -> bool:
    """`distinct_values` (the distinct targets of `rows` rows) form a label set."""
    values = list(distinct_values)
    if not values or len(values) > min(max_labels, max(2, rows // 2)):
        return False
    return median(len(str(v).split()) for v in values) <= MAX_LABEL_WORDS


def task_kind_of(distinct_values: Iterable[str] | None, rows: int) -> TaskKind:
    """The task kind of a target column; None means more distinct values than were counted."""
    if distinct_values is None:
        return TaskKind.GENERATION
    return TaskKind.CLASSIFICATION if is_label_set(distinct_values, rows) else TaskKind.GENERATION


def eval_mode_for(kind: TaskKind | str) -> EvalMode:
    return EvalMode.RANK if TaskKind(kind) is TaskKind.CLASSIFICATION else EvalMode.GENERATE


def headline_metric_for(mode: EvalMode | str) -> str:
    """The metric a prompt is selected and judged by under evaluation `mode`."""
    return "accuracy" if EvalMode(mode) is EvalMode.RANK else "exact_match"


def headline_metric_of(metrics: Mapping[str, Any]) -> str:
    """The headline metric of a set of metrics whose mode is not recorded: rank results carry
    accuracy, generation results without a label set do not."""
    return headline_metric_for(EvalMode.RANK if "accuracy" in metrics else EvalMode.GENERATE)


@dataclass(frozen=True)
class Task:
    """What a task is and how it is judged: the answer of `resolve`."""

    kind: TaskKind
    eval_mode: EvalMode  # RANK or GENERATE, never AUTO
    # The label set, sorted unless given: set for classification and for rank evaluation of
    # any data; None for free text.
    label_words: tuple[str, ...] | None

    @property
    def headline_metric(self) -> str:
        return headline_metric_for(self.eval_mode)

    @property
    def is_classification(self) -> bool:
        return self.kind is TaskKind.CLASSIFICATION


def resolve(
    targets: Sequence[str] | None = None,
    *,
    kind: TaskKind | str | None = None,
    label_words: Sequence[str] | None = None,
    mode: EvalMode | str = EvalMode.AUTO,
) -> Task:
    """Decide the task from what is known of it.

    - `kind`: a kind already decided (a dataset's, stored when it was made) wins;
    - otherwise given `label_words` make it classification, and else `targets` (every target
      seen: training and validation) decide by `is_label_set`;
    - `mode` AUTO evaluates classification by rank and anything else by generation; an
      explicit mode is kept (generation of a label set is scored against the labels).
    """
    given = tuple(w for w in label_words or () if w) or None
    if kind is not None:
        task_kind = TaskKind(kind)
    elif given is not None:
        task_kind = TaskKind.CLASSIFICATION
    else:
        values = list(targets or ())
        task_kind = TaskKind.CLASSIFICATION if is_label_set(set(values), len(values)) else TaskKind.GENERATION
    eval_mode = EvalMode(mode)
    if eval_mode is EvalMode.AUTO:
        eval_mode = eval_mode_for(task_kind)
    labels = given
    if labels is None and (task_kind is TaskKind.CLASSIFICATION or eval_mode is EvalMode.RANK) and targets:
        labels = tuple(sorted(set(targets)))
    return Task(task_kind, eval_mode, labels)
