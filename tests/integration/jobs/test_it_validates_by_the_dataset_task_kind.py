"""In-training validation is scored the way the dataset's task kind says, like the final evaluation:
a generation dataset with few distinct answers is still decoded, not ranked."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.jobs import launch_held
from tuning_core.config import EvalMode
from webapp.jobs.services import train_config_for_worker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "mode"), [("classification", EvalMode.RANK), ("generation", EvalMode.GENERATE)])
def test_the_worker_validates_by_task_kind(alice, tiny_base_model, kind: str, mode: EvalMode) -> None:
    dataset = make_ready_dataset(alice, task_kind=kind)
    job = launch_held(alice, dataset, tiny_base_model, init="vocab")
    assert train_config_for_worker(job).eval_mode is mode
