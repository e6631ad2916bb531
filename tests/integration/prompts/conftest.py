"""Prompt versions and evaluations made through the services (no training): a lineage
v1 → v2 → v3 of alice's `sentiment` prompt, v1 with a validation EvalRun of known predictions."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tuning_core.export import save_prompt
from webapp.jobs.base_models import register_base_model
from webapp.jobs.models import BaseModel
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.services import new_version_dir, record_eval_run, record_prompt_version

LABELS = ["negative", "positive"]


def make_version(prompt: Prompt, *, seed: int, accuracy: float, parent: PromptVersion | None = None,
                 job: Any = None) -> PromptVersion:
    directory, relative = new_version_dir(prompt)
    files = save_prompt(torch.randn(4, 32, generator=torch.Generator().manual_seed(seed)), directory)
    return record_prompt_version(
        prompt=prompt, tensor_file=f"{relative}/prompt.safetensors", sha256=files.sha256, prompt_length=4,
        d_model=32, init="from_file" if parent else "class_labels", metrics={"accuracy": accuracy},
        best_step=10 * seed, parent=parent, job=job,
    )


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


@pytest.fixture
def tiny_base(db: None, tiny_model_dir: Any) -> BaseModel:
    return register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)


@pytest.fixture
def lineage_versions(alice: Any, tiny_base: BaseModel) -> list[PromptVersion]:
    """v1 (best, accuracy 0.8) → v2 (0.6) → v3 (0.7); v1 has a validation EvalRun."""
    from tests.integration.jobs.conftest import make_ready_dataset

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
