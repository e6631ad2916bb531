"""Reading an evaluation's per-example predictions: filter, sort, page.

Predictions live today as a JSON list on `EvalRun.predictions` and are filtered in Python.
`select_predictions` is the one function that reads them for pages; when they move to a table
of their own, only its body changes (a queryset with the same filters, ORDER BY and LIMIT).

A stored prediction (tuning_core.evaluate.Prediction.to_dict) has `index`, `input_text`,
`target_text`, `predicted`, `correct`, `valid` and, in rank mode, `scores`: each label's
log-likelihood under the prompt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from tuning_core.metrics import token_f1
from webapp.prompts.models import EvalRun

Sort = Literal["", "confidence", "-confidence"]
PER_PAGE = 50


@dataclass(frozen=True)
class PredictionFilter:
    errors_only: bool = False
    gold: str = ""  # "" = any gold label
    predicted: str = ""  # "" = any prediction
    search: str = ""  # case-insensitive substring of the input, the gold or the predicted text
    sort: Sort = ""  # "" = dataset order; "confidence" = least confident first
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class LabelScore:
    label: str
    probability: float  # softmax of the label log-likelihoods: the model's belief among the labels
    log_likelihood: float


@dataclass(frozen=True)
class PredictionRow:
    index: int
    input_text: str
    gold: str
    predicted: str
    correct: bool
    valid: bool
    scores: list[LabelScore] = field(default_factory=list)  # highest first; empty in generation
    confidence: float | None = None  # probability of the predicted label
    margin: float | None = None  # log-likelihood of the best label minus the runner-up's
    token_f1: float | None = None  # generation: SQuAD token F1 of the text against the target


@dataclass(frozen=True)
class PredictionPage:
    rows: list[PredictionRow]
    matching: int  # predictions that pass the filter, over all pages
    total: int  # predictions of the run
    page: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages


def to_row(item: dict[str, Any], *, generation: bool) -> PredictionRow:
    gold, predicted = str(item.get("target_text", "")), str(item.get("predicted", ""))
    raw = item.get("scores") or {}
    scores: list[LabelScore] = []
    confidence = margin = None
    if raw:
        top = max(raw.values())
        # Softmax over the label log-likelihoods, shifted by the maximum for stability.
        weights = {label: math.exp(value - top) for label, value in raw.items()}
        total = sum(weights.values())
        scores = sorted((LabelScore(label, weights[label] / total, value) for label, value in raw.items()),
                        key=lambda s: s.log_likelihood, reverse=True)
        confidence = weights.get(predicted, 0.0) / total
        margin = scores[0].log_likelihood - scores[1].log_likelihood if len(scores) > 1 else None
    return PredictionRow(
        index=int(item.get("index", 0)), input_text=str(item.get("input_text", "")), gold=gold,
        predicted=predicted, correct=bool(item.get("correct")), valid=bool(item.get("valid", True)),
        scores=scores, confidence=confidence, margin=margin,
        token_f1=token_f1(predicted, gold) if generation else None,
    )


def select_predictions(run: EvalRun, query: PredictionFilter) -> PredictionPage:
    """The page `query.page` of `run`'s predictions that pass the filter, in the asked order."""
    items: list[dict[str, Any]] = list(run.predictions or [])
    needle = query.search.casefold()

    def keep(item: dict[str, Any]) -> bool:
        if query.errors_only and item.get("correct"):
            return False
        if query.gold and item.get("target_text") != query.gold:
            return False
        if query.predicted and item.get("predicted") != query.predicted:
            return False
        if needle and not any(needle in str(item.get(k, "")).casefold()
                              for k in ("input_text", "target_text", "predicted")):
            return False
        return True

    generation = run.mode == EvalRun.Mode.GENERATE
    matching = [item for item in items if keep(item)]
    if query.sort:
        rows = [to_row(item, generation=generation) for item in matching]
        # Rows without a confidence (generation) go last either way.
        known = [r for r in rows if r.confidence is not None]
        known.sort(key=lambda r: (r.confidence, r.index), reverse=query.sort == "-confidence")
        ordered = known + [r for r in rows if r.confidence is None]
    per_page = max(1, query.per_page)
    num_pages = max(1, math.ceil(len(matching) / per_page))
    page = min(max(1, query.page), num_pages)
    start = (page - 1) * per_page
    if query.sort:
        page_rows = ordered[start:start + per_page]
    else:
        page_rows = [to_row(item, generation=generation) for item in matching[start:start + per_page]]
    return PredictionPage(rows=page_rows, matching=len(matching), total=len(items), page=page,
                          num_pages=num_pages)


def label_options(run: EvalRun) -> tuple[list[str], list[str]]:
    """Gold labels and predicted values a filter can pick, for classification runs; generation
    runs without a label set get none (their texts are free)."""
    matrix = (run.metrics or {}).get("confusion_matrix")
    if isinstance(matrix, dict) and matrix.get("labels"):
        labels = [str(label) for label in matrix["labels"]]
        predicted = sorted({str(item.get("predicted", "")) for item in run.predictions or []})
        return labels, [p for p in labels if p in predicted] + [p for p in predicted if p not in labels]
    return [], []
