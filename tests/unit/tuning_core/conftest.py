"""Fixtures for tuning_core: tiny T5 models built once per session, and toy sentiment data.

The models are random, so tests assert mechanics (shapes, parity, equality), never quality.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import torch

from tuning_core.model import FrozenT5, load_base_model
from tuning_core.tiny import build_tiny_t5

# Tiny models gain nothing from intra-op threads, and on a shared 2-core machine thread
# hand-offs cost more than the arithmetic (10x slower steps measured under load).
torch.set_num_threads(1)

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


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {shape: build_tiny_t5(root / shape, shape=shape) for shape in ("t5", "t5.1.1")}


@pytest.fixture(scope="session")
def tiny_dir(tiny_dirs: dict[str, Path]) -> Path:
    return tiny_dirs["t5.1.1"]


@pytest.fixture(scope="session")
def base(tiny_dir: Path) -> FrozenT5:
    """The shared frozen T5 1.1-shaped tiny model on CPU (tests must leave it as they found it)."""
    return load_base_model(str(tiny_dir), device="cpu")


@pytest.fixture(scope="session")
def base_t5(tiny_dirs: dict[str, Path]) -> FrozenT5:
    return load_base_model(str(tiny_dirs["t5"]), device="cpu")


@pytest.fixture
def train_rows() -> list[dict[str, Any]]:
    return sentiment_rows(48, seed=1)


@pytest.fixture
def val_rows() -> list[dict[str, Any]]:
    return sentiment_rows(16, seed=2)
