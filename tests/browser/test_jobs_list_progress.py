"""The jobs list moves a running job's progress live, not only its status."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import launch_held, release
from webapp.basemodels.services import register_base_model
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_list_follows_progress(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=32, validation=8, test=0)
    job = launch_held(alice, dataset, base_model, max_steps=5000, eval_every=2500)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    progress = page.locator(f'tr[data-job-id="{job.pk}"] [data-progress]')
    expect(progress).to_have_text("0 / 5000")

    release(job)  # the worker starts it while the page stays open
    try:
        # A step strictly between the first and the last: only live progress shows it.
        expect(progress).to_have_text(re.compile(r"^(?!5000 )[1-9]\d{0,3} / 5000$"), timeout=120_000)
    finally:
        outside_event_loop(cancel_job, job)  # free the shared worker for the next tests
