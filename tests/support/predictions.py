"""Evaluation predictions as tuning_core.evaluate stores them, with known mistakes."""

from __future__ import annotations

from typing import Any

LABELS = ["negative", "positive"]


def rank_predictions(n: int = 120) -> list[dict[str, Any]]:
    """Rank-mode predictions as tuning_core.evaluate stores them: every 4th one wrong, and the
    confidence rising with the index (example 0 is the least confident)."""
    rows = []
    for i in range(n):
        gold = LABELS[i % 2]
        wrong = i % 4 == 3
        predicted = LABELS[1 - i % 2] if wrong else gold
        margin = 0.05 + i / 20
        scores = {predicted: -0.5, next(label for label in LABELS if label != predicted): -0.5 - margin}
        rows.append({"index": i, "input_text": f"review: film number {i} was {'fine' if i % 3 else 'odd'}",
                     "target_text": gold, "predicted": predicted, "correct": not wrong, "valid": True,
                     "scores": scores})
    return rows


def classification_metrics_of(predictions: list[dict[str, Any]]) -> dict[str, Any]:
    from tuning_core.metrics import classification_metrics

    return classification_metrics([p["target_text"] for p in predictions],
                                  [p["predicted"] for p in predictions], LABELS)
