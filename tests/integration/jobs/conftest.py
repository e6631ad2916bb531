"""Fixtures for job tests: the tiny T5 as a registered base model and a ready dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_ready_dataset
from webapp.datasets.models import Dataset
from webapp.jobs.base_models import register_base_model
from webapp.jobs.models import BaseModel


@pytest.fixture
def tiny_base_model(db: None, tiny_model_dir: Path) -> BaseModel:
    return register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)


@pytest.fixture
def ready_dataset(alice: Any) -> Dataset:
    return make_ready_dataset(alice)
