"""A finished job is deleted from its page after a confirmation; the list no longer shows it."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_deletes_a_finished_job_from_its_page(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    job = cancel_job(launch_held(alice, make_ready_dataset(alice, train=16, validation=4, test=0), base_model))

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete job").click()
    page.wait_for_url(f"{asgi_server}/jobs/")
    expect(page.locator(".messages")).to_contain_text(f"Deleted job {job.pk}.")
    expect(page.locator(f'tr[data-job-id="{job.pk}"]')).to_have_count(0)
