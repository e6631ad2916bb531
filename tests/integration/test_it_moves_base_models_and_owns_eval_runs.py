"""Upgrading a database with rows in it: base models move to their own app without touching
their table, and every evaluation gets its owner (its version's, or its ensemble's)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("jobs", "0004_job_exclusive_fused_group"), ("prompts", "0006_version_nearest_tokens"),
          ("ensembles", "0002_playground_run"), ("sweeps", "0002_run_attempt_and_skipped")]


def _migrate(targets: list[tuple[str, str]] | None = None):  # noqa: ANN202 - historical apps
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_rows_made_before_the_move_are_all_there_after_it() -> None:
    # Forward again whatever happens: a database left migrated back fails every later test of
    # this process, which hides the one failure that matters.
    try:
        old = _migrate(BEFORE)
        user = old.get_model("auth", "User").objects.create(username="ada")
        other = old.get_model("auth", "User").objects.create(username="bob")
        base = old.get_model("jobs", "BaseModel").objects.create(
            name="t5", source="/models/t5", d_model=32, num_layers=2, num_parameters=10, vocab_size=100)
        dataset = old.get_model("datasets", "Dataset").objects.create(
            owner=user, name="reviews", input_template="{text}", label_column="label")
        prompt = old.get_model("prompts", "Prompt").objects.create(owner=user, name="p", base_model=base)
        version = old.get_model("prompts", "PromptVersion").objects.create(
            prompt=prompt, version=1, base_model=base, prompt_length=4, d_model=32, tensor_file="x", sha256="0")
        ensemble = old.get_model("ensembles", "Ensemble").objects.create(owner=other, name="e", base_model=base)
        runs = old.get_model("prompts", "EvalRun").objects
        by_version = runs.create(prompt_version=version, dataset=dataset, split="test", mode="rank")
        vote = runs.create(ensemble=ensemble, dataset=dataset, split="test", mode="rank")

        new = _migrate()

        moved = new.get_model("basemodels", "BaseModel").objects.get()
        assert (moved.pk, moved.name) == (base.pk, "t5")
        assert new.get_model("prompts", "Prompt").objects.get().base_model_id == base.pk
        owners = dict(new.get_model("prompts", "EvalRun").objects.values_list("pk", "owner__username"))
        assert owners == {by_version.pk: "ada", vote.pk: "bob"}
    finally:
        _migrate()
