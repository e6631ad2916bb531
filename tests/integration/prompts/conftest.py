"""Prompt versions and evaluations made through the services (no training): a lineage
v1 → v2 → v3 of alice's `sentiment` prompt, v1 with a validation EvalRun of known predictions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.basemodels.models import BaseModel
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.services import record_eval_run


@pytest.fixture
def lineage_versions(alice: Any, tiny_base: BaseModel) -> list[PromptVersion]:
    """v1 (best, accuracy 0.8) → v2 (0.6) → v3 (0.7); v1 has a validation EvalRun."""
    dataset = make_ready_dataset(alice, train=8, validation=4, test=0)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base)
    v1 = make_version(prompt, seed=1, accuracy=0.8)
    v2 = make_version(prompt, seed=2, accuracy=0.6, parent=v1)
    v3 = make_version(prompt, seed=3, accuracy=0.7, parent=v2)
    predictions = rank_predictions()
    record_eval_run(version=v1, dataset=dataset, split="validation", mode="rank",
                    metrics=classification_metrics_of(predictions), predictions=predictions)
    return [v1, v2, v3]


@pytest.fixture
def rank_run(lineage_versions: list[PromptVersion]) -> EvalRun:
    return EvalRun.objects.get(prompt_version=lineage_versions[0])


@pytest.fixture
def generation_run(lineage_versions: list[PromptVersion]) -> EvalRun:
    from tuning_core.metrics import text_metrics

    targets = ["the cat sat", "a dog ran", "blue sky", "red car"]
    texts = ["the cat sat", "a dog walked", "blue sky today", "green"]
    predictions = [{"index": i, "input_text": f"describe: thing {i}", "target_text": t, "predicted": p,
                    "correct": t == p, "valid": True, "scores": None}
                   for i, (t, p) in enumerate(zip(targets, texts))]
    run = lineage_versions[2]
    dataset = EvalRun.objects.get(prompt_version=lineage_versions[0]).dataset
    return record_eval_run(version=run, dataset=dataset, split="test", mode="generate",
                           metrics=dict(text_metrics(targets, texts)), predictions=predictions)
