"""Migration 0005: the per-example JSON lists of existing EvalRuns become ExamplePrediction rows,
with confidence and margin computed, and the JSON column goes; going back restores the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

MIGRATION = ("prompts", "0005_example_predictions")


def migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # The state migrate() leaves holds every migration still applied, other apps' later ones too.
    return executor.migrate(target).apps


def test_it_copies_json_predictions_into_rows_and_back(alice: Any) -> None:
    before = [(app, name) for app, name in MigrationExecutor(connection).loader.get_migration(*MIGRATION).dependencies
              if app == "prompts"]
    old = migrate(before)
    # Forward again whatever happens, even a failure while writing the old rows: a database left
    # migrated back fails every later test of this process.
    try:
        user_model = old.get_model("auth", "User")
        owner = user_model.objects.get(pk=alice.pk)
        base = old.get_model("jobs", "BaseModel").objects.create(
            name="tiny", source="/nowhere", d_model=4, num_layers=1, num_parameters=1, vocab_size=8)
        prompt = old.get_model("prompts", "Prompt").objects.create(owner=owner, name="p", base_model=base)
        version = old.get_model("prompts", "PromptVersion").objects.create(
            prompt=prompt, version=1, base_model=base, prompt_length=1, d_model=4, init="random", tensor_file="x",
            sha256="0")
        dataset = old.get_model("datasets", "Dataset").objects.create(
            owner=owner, name="d", input_template="{text}", label_column="label")
        predictions = [
            {"index": 0, "input_text": "good film", "target_text": "positive", "predicted": "positive",
             "correct": True, "valid": True, "scores": {"positive": -0.1, "negative": -2.1}},
            {"index": 1, "input_text": "dull film", "target_text": "negative", "predicted": "positive",
             "correct": False, "valid": True, "scores": {"positive": -0.5, "negative": -0.5}},
        ]
        run = old.get_model("prompts", "EvalRun").objects.create(
            prompt_version=version, dataset=dataset, split="test", mode="rank", predictions=predictions, num_examples=2)
        new = migrate([MIGRATION])
        rows = list(new.get_model("prompts", "ExamplePrediction").objects.filter(eval_run_id=run.pk).order_by("index"))
        assert [(r.index, r.gold, r.predicted, r.correct) for r in rows] == [
            (0, "positive", "positive", True), (1, "negative", "positive", False)]
        assert rows[0].margin == pytest.approx(2.0)
        assert rows[0].confidence == pytest.approx(0.8808, abs=1e-4)
        assert rows[1].confidence == pytest.approx(0.5)
        assert rows[1].scores == predictions[1]["scores"]
        assert not any(f.name == "predictions" for f in new.get_model("prompts", "EvalRun")._meta.fields)

        back = migrate(before)
        assert back.get_model("prompts", "EvalRun").objects.get(pk=run.pk).predictions == predictions
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
