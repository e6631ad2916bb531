"""Fixtures for tuning_core: tiny T5 models built once per session, and toy sentiment data.

The models are random, so tests assert mechanics (shapes, parity, equality), never quality.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.support.toy_reviews import sentiment_rows
from tuning_core.model import FrozenT5, load_base_model
from tuning_core.tiny import build_tiny_t5

# Tiny models gain nothing from intra-op threads, and on a shared 2-core machine thread
# hand-offs cost more than the arithmetic (10x slower steps measured under load).
torch.set_num_threads(1)


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
