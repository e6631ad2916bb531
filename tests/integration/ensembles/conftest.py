"""Fixtures for ensemble tests: alice's `sentiment` versions, each with the (cancelled) training job
that says which labels it answers with, on a ready dataset with validation and test splits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_ready_dataset, trained_version
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.prompts.models import Prompt, PromptVersion


@pytest.fixture
def reviews(alice: Any) -> Dataset:
    return make_ready_dataset(alice, name="reviews", train=8, validation=10, test=14)


@pytest.fixture
def members(alice: Any, tiny_base: BaseModel, reviews: Dataset) -> list[PromptVersion]:
    """Three versions of alice's `sentiment` prompt: validation accuracy 0.6, 0.8, 0.7."""
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base)
    return [trained_version(alice, prompt, reviews, tiny_base, seed=s, accuracy=a)
            for s, a in ((11, 0.6), (12, 0.8), (13, 0.7))]
