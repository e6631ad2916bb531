"""An evaluation's per-example predictions: written as ExamplePrediction rows, read to filter,
sort and page in SQL.

The engine's prediction (tuning_core.evaluate.Prediction.to_dict) has `index`, `input_text`,
`target_text`, `predicted`, `correct`, `valid` and, in rank mode, `scores`: each label's
log-likelihood under the prompt. `example_predictions` turns those into rows (with the confidence
and margin computed once, so the page sorts on a column); `select_predictions` is the one reader
the pages use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import F, Q, QuerySet

from tuning_core.metrics import token_f1
from webapp.lib.paging import PageLinks
from webapp.prompts.models import EvalRun, ExamplePrediction

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
class PredictionPage(PageLinks):
    rows: list[PredictionRow]
    matching: int  # predictions that pass the filter, over all pages
    total: int  # predictions of the run
    page: int
    num_pages: int


def label_confidence(scores: dict[str, float], predicted: str) -> tuple[float | None, float | None]:
    """(probability of `predicted`, best minus runner-up log-likelihood) from label log-likelihoods.

    The probability is the softmax over the labels, shifted by the maximum for stability.
    """
    if not scores:
        return None, None
    top = max(scores.values())
    weights = {label: math.exp(value - top) for label, value in scores.items()}
    ranked = sorted(scores.values(), reverse=True)
    margin = ranked[0] - ranked[1] if len(ranked) > 1 else None
    return weights.get(predicted, 0.0) / sum(weights.values()), margin


# The columns record_eval_run writes, in COPY order.
PREDICTION_COLUMNS = ("eval_run_id", "index", "input_text", "gold", "predicted", "correct", "valid",
                      "confidence", "margin", "scores")


def prediction_values(run_id: int, predictions: Iterable[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """One tuple per engine prediction, in PREDICTION_COLUMNS order (scores as a Python dict);
    an item without an index takes its position."""
    for position, item in enumerate(predictions):
        predicted = str(item.get("predicted", ""))
        scores = {str(k): float(v) for k, v in (item.get("scores") or {}).items()} or None
        confidence, margin = label_confidence(scores or {}, predicted)
        yield (run_id, int(item.get("index", position)), str(item.get("input_text", "")),
               str(item.get("target_text", "")), predicted, bool(item.get("correct")),
               bool(item.get("valid", True)), confidence, margin, scores)


def to_row(item: ExamplePrediction, *, generation: bool) -> PredictionRow:
    raw = item.scores or {}
    scores: list[LabelScore] = []
    if raw:
        top = max(raw.values())
        weights = {label: math.exp(value - top) for label, value in raw.items()}
        total = sum(weights.values())
        scores = sorted((LabelScore(label, weights[label] / total, value) for label, value in raw.items()),
                        key=lambda s: s.log_likelihood, reverse=True)
    return PredictionRow(
        index=item.index, input_text=item.input_text, gold=item.gold, predicted=item.predicted,
        correct=item.correct, valid=item.valid, scores=scores, confidence=item.confidence, margin=item.margin,
        token_f1=token_f1(item.predicted, item.gold) if generation else None,
    )


def filtered(run: EvalRun, query: PredictionFilter) -> QuerySet[ExamplePrediction]:
    """`run`'s predictions that pass the filter, unordered."""
    rows = ExamplePrediction.objects.filter(eval_run=run)
    if query.errors_only:
        rows = rows.filter(correct=False)
    if query.gold:
        rows = rows.filter(gold=query.gold)
        if run.mode == EvalRun.Mode.RANK:
            rows = rows.filter(scores__isnull=False)  # lets PostgreSQL use the partial (run, gold) index
    if query.predicted:
        rows = rows.filter(predicted=query.predicted)
    if query.search:
        rows = rows.filter(Q(input_text__icontains=query.search) | Q(gold__icontains=query.search)
                           | Q(predicted__icontains=query.search))
    return rows


def select_predictions(run: EvalRun, query: PredictionFilter) -> PredictionPage:
    """The page `query.page` of `run`'s predictions that pass the filter, in the asked order:
    one COUNT and one LIMIT/OFFSET query."""
    rows = filtered(run, query)
    matching = rows.count()
    if query.sort:
        # Rows without a confidence (generation) go last either way.
        confidence = F("confidence").desc(nulls_last=True) if query.sort == "-confidence" \
            else F("confidence").asc(nulls_last=True)
        index = "-index" if query.sort == "-confidence" else "index"
        rows = rows.order_by(confidence, index)
    else:
        rows = rows.order_by("index")
    per_page = max(1, query.per_page)
    num_pages = max(1, math.ceil(matching / per_page))
    page = min(max(1, query.page), num_pages)
    start = (page - 1) * per_page
    generation = run.mode == EvalRun.Mode.GENERATE
    page_rows = [to_row(item, generation=generation) for item in rows[start:start + per_page]]
    return PredictionPage(rows=page_rows, matching=matching, total=run.num_examples, page=page,
                          num_pages=num_pages)


def label_options(run: EvalRun) -> tuple[list[str], list[str]]:
    """Gold labels and predicted values a filter can pick, for classification runs; generation
    runs without a label set get none (their texts are free)."""
    matrix = (run.metrics or {}).get("confusion_matrix")
    if isinstance(matrix, dict) and matrix.get("labels"):
        labels = [str(label) for label in matrix["labels"]]
        predicted = sorted(set(ExamplePrediction.objects.filter(eval_run=run).order_by()
                               .values_list("predicted", flat=True).distinct()))
        return labels, [p for p in labels if p in predicted] + [p for p in predicted if p not in labels]
    return [], []
