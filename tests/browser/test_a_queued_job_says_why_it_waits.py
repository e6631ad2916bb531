"""A queued job says why it waits: its place in line, what runs ahead of it, and when no worker
takes its queue at all."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_queued_job_names_its_place_in_line(page, asgi_server, alice, bob, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    launch_held(bob, make_ready_dataset(bob, train=16, validation=4, test=0), base_model, prompt_name="first")
    mine = launch_held(alice, make_ready_dataset(alice, train=16, validation=4, test=0), base_model,
                       prompt_name="second")

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{mine.pk}/")
    waiting = page.locator("#job-waiting")
    expect(waiting).to_contain_text("1 job queued ahead of it")  # bob's: counted, never named
    expect(waiting).not_to_contain_text("first")
    expect(waiting).to_contain_text(f"No worker takes the {mine.queue} queue now")
