"""Metrics as plain Python values (JSON-serialisable), no sklearn needed.

Classification: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix, MCC.
Free text: exact match and token F1 with SQuAD's answer normalisation.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

INVALID = "<invalid>"  # column of the confusion matrix for generated text outside the label set


def classification_metrics(
    gold: Sequence[str], predicted: Sequence[str | None], labels: Sequence[str]
) -> dict[str, Any]:
    """Metrics of predictions against gold labels.

    predicted: a label, or None for an invalid prediction (generated text outside `labels`);
    invalid predictions count as wrong. Confusion matrix rows are gold labels, columns
    predicted labels (plus an "<invalid>" column when any prediction was invalid).
    """
    labels = list(labels)
    n = len(gold)
    index = {label: i for i, label in enumerate(labels)}
    has_invalid = any(p is None or p not in index for p in predicted)
    cols = labels + ([INVALID] if has_invalid else [])
    matrix = [[0] * len(cols) for _ in labels]
    extra_gold = sorted({g for g in gold if g not in index})
    if extra_gold:
        raise ValueError(f"gold labels outside the label set: {extra_gold}")
    for g, p in zip(gold, predicted):
        j = index.get(p, len(labels)) if p is not None else len(labels)
        matrix[index[g]][j] += 1

    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for i, label in enumerate(labels):
        tp = matrix[i][i]
        predicted_as = sum(matrix[r][i] for r in range(len(labels)))
        support = sum(matrix[i])
        precision = tp / predicted_as if predicted_as else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        f1s.append(f1)
    correct = sum(matrix[i][i] for i in range(len(labels)))
    out: dict[str, Any] = {
        "accuracy": correct / n if n else 0.0,
        "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "mcc": _mcc(matrix, len(labels)),
        "per_class": per_class,
        "confusion_matrix": {"labels": labels, "columns": cols, "matrix": matrix},
        "count": n,
    }
    if has_invalid:
        out["invalid_rate"] = (
            sum(1 for p in predicted if p is None or p not in index) / n if n else 0.0
        )
    return out


def _mcc(matrix: list[list[int]], k: int) -> float:
    """Multiclass Matthews correlation (Gorodkin's R_K); invalid predictions count as errors."""
    t = [sum(row) for row in matrix]  # true counts per class
    p = [sum(matrix[r][c] for r in range(k)) for c in range(k)]  # predicted counts per class
    s = sum(t)
    c = sum(matrix[i][i] for i in range(k))
    cov_yp = c * s - sum(pk * tk for pk, tk in zip(p, t))
    cov_pp = s * s - sum(pk * pk for pk in p)
    cov_tt = s * s - sum(tk * tk for tk in t)
    denom = math.sqrt(cov_pp * cov_tt)
    return cov_yp / denom if denom else 0.0


_DROP_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower case, drop punctuation and articles, squeeze spaces."""
    text = text.lower()
    text = text.translate(_DROP_PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def text_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Mean exact match and token F1 (SQuAD-style) of free-text predictions."""
    n = len(gold)
    if n == 0:
        return {"exact_match": 0.0, "f1": 0.0, "count": 0}
    return {
        "exact_match": sum(exact_match(p, g) for p, g in zip(predicted, gold)) / n,
        "f1": sum(token_f1(p, g) for p, g in zip(predicted, gold)) / n,
        "count": n,
    }


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The numeric top-level entries (what a chart plots)."""
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "count"
    }
