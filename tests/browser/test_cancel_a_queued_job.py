"""Cancelling a job that never started leaves no empty prompt behind: the prompts list does not
show its name, the name can be used again, and the job's log says what happened."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch, launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import JobStatus, TuningJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_job_cancelled_while_queued_leaves_no_prompt(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=32, validation=8, test=0)
    job = launch_held(alice, dataset, base_model, prompt_name="never trained")  # no worker takes it

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#job-status")).to_have_text("Cancelled")
    expect(page.locator("#job-log")).to_contain_text("Cancelled while queued: nothing was trained")

    page.goto(f"{asgi_server}/prompts/")
    expect(page.locator("main")).not_to_contain_text("never trained")

    again = launch(alice, dataset, base_model, prompt_name="never trained")  # the name is free again
    assert again.prompt_id == job.prompt_id
    assert TuningJob.objects.get(pk=job.pk).status == JobStatus.CANCELLED
