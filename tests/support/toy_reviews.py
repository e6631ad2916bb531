"""Toy sentiment rows for tuning_core's tests (no Django here)."""

from __future__ import annotations

import random

POSITIVE = ["good", "great", "wonderful", "excellent", "fun", "smart", "sweet", "beautiful"]
NEGATIVE = ["bad", "terrible", "awful", "boring", "dull", "poor", "silly", "ugly"]


def sentiment_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    """Toy reviews whose label is given away by their adjectives."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        positive = rng.random() < 0.5
        words = POSITIVE if positive else NEGATIVE
        length = rng.randint(1, 6)
        rows.append(
            {
                "input_text": "review: the movie was "
                + " ".join(rng.choice(words) for _ in range(length)),
                "target_text": "positive" if positive else "negative",
            }
        )
    return rows
