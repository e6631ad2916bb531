"""The launch form's time estimate counts the final scoring of the validation and test splits,
at the speed the user's last evaluation job measured on the base model."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.models import JobMetric, TuningJob
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_estimate_adds_the_final_scoring(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "movie reviews", train=64, validation=100, test=100)
    trained = launch_held(alice, dataset, base_model, prompt_name="measured", batch_size=8, max_steps=100)
    JobMetric.objects.create(job=trained, kind="train", step=100, loss=0.5, elapsed_seconds=80.0)  # 0.1 s a row
    TuningJob.objects.filter(pk=trained.pk).update(status="succeeded", finished_at=timezone.now())
    version = make_version(Prompt.objects.get(pk=trained.prompt_id), seed=1, accuracy=0.5, job=trained)
    scored = launch_evaluation(alice, version, dataset, "test")  # 100 rows in 20 s: 0.2 s a row
    now = timezone.now()
    TuningJob.objects.filter(pk=scored.pk).update(status="succeeded", started_at=now - timedelta(seconds=20),
                                                 finished_at=now)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Batch size").fill("8")
    page.get_by_label("Max steps").fill("300")
    # 300 steps × 8 rows × 0.1 s = 240 s of training, + 200 scored rows × 0.2 s = 40 s.
    expect(page.locator('[data-hint-for="max_steps"]')).to_contain_text(
        "About 5 min for training, its evaluations and the final scoring of 200 validation and test rows")
