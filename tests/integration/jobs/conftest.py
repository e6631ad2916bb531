"""Fixtures for job tests: the tiny T5 as a registered base model and a ready dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_ready_dataset
from webapp.basemodels.models import BaseModel
from webapp.basemodels.services import register_base_model
from webapp.datasets.models import Dataset


@pytest.fixture
def tiny_base_model(db: None, tiny_model_dir: Path) -> BaseModel:
    return register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)


@pytest.fixture
def ready_dataset(alice: Any) -> Dataset:
    return make_ready_dataset(alice)
