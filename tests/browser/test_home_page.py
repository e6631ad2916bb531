"""The home page tells a new user what to do next and shows running and recent jobs."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_user_is_told_to_upload_first(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    next_step = page.get_by_role("region", name="Next step")
    expect(next_step).to_contain_text("Start with data")
    expect(page.locator("#storage-health")).to_contain_text("local files under")  # where uploads will go
    next_step.get_by_role("link", name="Upload a dataset").click()
    page.wait_for_url(f"{asgi_server}/datasets/new/")


def test_it_lists_running_and_recent_jobs(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
    waiting = launch_held(alice, dataset, base_model, prompt_name="waiting")
    ended = cancel_job(launch_held(alice, dataset, base_model, prompt_name="ended"))

    log_in(page, asgi_server, "alice", PASSWORD)
    expect(page.get_by_role("region", name="Running jobs")).to_contain_text(f"#{waiting.pk} waiting")
    expect(page.get_by_role("region", name="Recent jobs")).to_contain_text(f"#{ended.pk} ended: cancelled")
    expect(page.get_by_role("region", name="Next step")).to_contain_text("Your first job is under way")
    cancel_job(waiting)


def test_favicon_is_served(page, asgi_server) -> None:
    response = page.request.get(f"{asgi_server}/favicon.ico")
    assert response.ok
    assert "svg" in response.headers["content-type"]
