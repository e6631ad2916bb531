"""Cancelling a running job asks first; nothing on the page still says "cancelling" once the job
has stopped, so it never says "keeps the best prompt" beside what actually happened."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch
from webapp.basemodels.services import register_base_model

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_cancel_asks_and_its_message_does_not_outlive_the_job(page, asgi_server, celery_worker_process, alice,
                                                              tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=32, validation=8, test=0)
    job = launch(alice, dataset, base_model, max_steps=5000, eval_every=2500)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    expect(page.locator("#job-status")).to_have_text("Running", timeout=120_000)

    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#job-status")).to_have_text("Running")
    assert questions
    assert questions[0].startswith(f"Cancel job #{job.pk}?")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel job").click()
    page.wait_for_url(f"{asgi_server}/jobs/{job.pk}/")
    expect(page.locator("#job-status")).to_have_text("Cancelled", timeout=120_000)
    expect(page.locator(".messages")).to_have_count(0)  # nothing still says "cancelling"
    expect(page.locator("#job-summary")).not_to_contain_text("cancelling")
