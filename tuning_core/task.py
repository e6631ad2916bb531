"""One rule for what kind of task a dataset is, how it is evaluated, and which metric heads it.

The engine, the worker and the web pages all ask here; none of them guesses on its own.

- A **classification** task has targets drawn from a small set of short label words
  ("positive", "not entailment"): few distinct values compared with the rows, at most
  `MAX_LABELS`, and short (a median of at most `MAX_LABEL_WORDS` words). It is scored by rank
  classification (each label's log-likelihood, the paper's section 3), headed by accuracy.
- Anything else is **generation** (free text: answers, summaries), scored by greedy decoding,
  headed by exact match.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from statistics import median

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
