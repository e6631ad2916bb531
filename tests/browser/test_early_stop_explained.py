"""A job ended by early stopping says so, with the step, the patience and the best step, on its
page, in the jobs list and in its event log."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch
from webapp.basemodels.services import register_base_model

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_early_stopped_job_says_why(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=32, validation=8, test=0)
    # 8 validation rows can improve accuracy at most 8 times: patience 1 stops it long before 400.
    job = launch(alice, dataset, base_model, max_steps=400, eval_every=5, patience=1)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    explanation = page.locator("[data-stop-reason]")
    expect(explanation).to_have_text(
        re.compile(r"Stopped early at step \d+: no improvement in 1 evaluation; best at step \d+\."), timeout=120_000)
    expect(page.locator("#job-log")).to_contain_text("Stopped early at step")

    page.goto(f"{asgi_server}/jobs/")
    expect(page.locator(f'tr[data-job-id="{job.pk}"] [data-stop-reason]')).to_have_text("stopped early")
