"""The jobs list follows status changes live and filters by status; a job page cancels."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_queued_jobs(alice, tiny_model_dir):
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
    return [launch_held(alice, dataset, base_model, prompt_name=name) for name in ("first", "second")]


def test_it_updates_statuses_live_and_filters(page, asgi_server, alice, two_queued_jobs) -> None:
    first, second = two_queued_jobs
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    row = page.locator(f'tr[data-job-id="{first.pk}"] [data-status]')
    assert row.inner_text() == "Queued"

    outside_event_loop(cancel_job, first)  # as if from another tab or the API

    page.wait_for_function(
        f"document.querySelector('tr[data-job-id=\"{first.pk}\"] [data-status]').textContent === 'Cancelled'"
    )
    page.get_by_label("Status").select_option("cancelled")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/jobs/?kind=&status=cancelled")
    assert page.locator("tr[data-job-id]").count() == 1
    assert page.locator(f'tr[data-job-id="{first.pk}"]').is_visible()


def test_it_cancels_from_the_job_page(page, asgi_server, alice, two_queued_jobs) -> None:
    job = two_queued_jobs[1]
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel job").click()
    page.wait_for_url(f"{asgi_server}/jobs/{job.pk}/")
    assert page.locator("#job-status").inner_text() == "Cancelled"
    assert page.get_by_role("button", name="Cancel job").count() == 0
    assert "Job cancelled" in page.locator(".messages").inner_text()


def test_it_lists_base_models_with_their_size(page, asgi_server, alice, two_queued_jobs) -> None:
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Base models").click()
    page.wait_for_url(f"{asgi_server}/jobs/base-models/")
    row = page.locator("tbody tr").first
    assert "tiny-t5" in row.inner_text()
    assert "random weights: for trying the pipeline, accuracy is meaningless" in row.inner_text()
    assert row.locator("td").nth(3).inner_text() == "32"
