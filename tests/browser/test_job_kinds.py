"""An evaluation job is called an evaluation wherever it appears: its page (counting examples,
with no training loss and no "continues training"), the jobs list's Kind column and filter, and
the home page."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.basemodels.services import register_base_model
from webapp.jobs.evaluations import launch_evaluation
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_evaluation_is_named_as_one_everywhere(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    version = make_version(Prompt.objects.create(owner=alice, name="sentiment", base_model=base_model),
                           seed=1, accuracy=0.5)
    dataset = make_ready_dataset(alice, name="other reviews", train=8, validation=4, test=10)
    # A worker of this test session may run it at once, or none may: the names hold either way.
    job = launch_evaluation(alice, version, dataset, "test")

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Evaluation #{job.pk}")
    expect(page.locator("#job-summary")).to_contain_text(re.compile(r"\b\d+ / 10 examples"))
    expect(page.locator("#job-summary")).not_to_contain_text("loss")
    expect(page.locator("#job-continues")).to_have_count(0)

    page.goto(f"{asgi_server}/jobs/")
    row = page.locator(f'tr[data-job-id="{job.pk}"]')
    expect(row.locator("[data-kind]")).to_have_text("Evaluation")
    expect(row).to_contain_text(re.compile(r"\b\d+ / 10 examples"))
    page.locator("#job-filter").get_by_label("Kind").select_option(label="Training")
    page.locator("#job-filter").get_by_role("button", name="Filter").click()
    expect(page.locator(f'tr[data-job-id="{job.pk}"]')).to_have_count(0)
    page.locator("#job-filter").get_by_label("Kind").select_option(label="Evaluation")
    page.locator("#job-filter").get_by_role("button", name="Filter").click()
    expect(page.locator(f'tr[data-job-id="{job.pk}"]')).to_have_count(1)

    page.goto(f"{asgi_server}/")
    expect(page.locator("main")).to_contain_text(f"Evaluation #{job.pk} sentiment")  # running or recent
