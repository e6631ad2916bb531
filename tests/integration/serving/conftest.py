"""Fixtures for predict calls: alice's versions with training jobs (from the ensembles' fixtures), a
token-authenticated API client, and a private queue namespace for tests that play the server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.test import Client

from tests.factories import api_key, make_ready_dataset, trained_version
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.ensembles.models import Ensemble
from webapp.ensembles.services import create_ensemble
from webapp.lib.prediction_calls import Keys
from webapp.prompts.models import Prompt, PromptVersion


@pytest.fixture
def reviews(alice: Any) -> Dataset:
    """Read through the template "review: {text}", answered with negative / positive."""
    return make_ready_dataset(alice, name="reviews", train=8, validation=4, test=14)


@pytest.fixture
def versions(alice: Any, tiny_base: BaseModel, reviews: Dataset) -> list[PromptVersion]:
    """Eight versions of alice's `sentiment` prompt, each with the training job that names its labels."""
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base)
    return [trained_version(alice, prompt, reviews, tiny_base, seed=20 + i, accuracy=0.5 + i / 20) for i in range(8)]


@pytest.fixture
def trio(alice: Any, versions: list[PromptVersion]) -> Ensemble:
    return create_ensemble(alice, name="trio", versions=versions[:3])


@pytest.fixture
def api_as(db: None):  # noqa: ANN201 - a factory of clients
    def client_for(user: Any) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client_for


@pytest.fixture
def private_queue(settings: Any) -> Iterator[tuple[redis.Redis, Keys]]:
    """A namespace no running prediction server reads: the test decides whether a server is "alive"."""
    settings.SERVING_NAMESPACE = f"sps:test-serving:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    names = Keys(settings.SERVING_NAMESPACE)
    yield client, names
    client.delete(names.queue, names.alive, names.stats)
