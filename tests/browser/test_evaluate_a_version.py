"""From a version's page, evaluate it on another dataset: the evaluation job runs on a worker,
its page fills in live, and it links to the evaluation page."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_evaluates_a_version_from_its_page(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    version = make_version(Prompt.objects.create(owner=alice, name="sentiment", base_model=base_model),
                           seed=1, accuracy=0.5)
    make_ready_dataset(alice, name="other reviews", train=8, validation=4, test=10)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/versions/{version.pk}/")
    form = page.get_by_role("form", name="Evaluate on a dataset")
    form.get_by_label("Evaluate on").select_option(label="other reviews")
    form.get_by_label("split").select_option("test")
    form.get_by_role("button", name="Evaluate").click()

    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("sentiment v1 on other reviews (test)")
    # What an evaluation is, not a training recipe it never had.
    expect(page.locator("#job-config")).to_contain_text("other reviews (test), rank classification")
    expect(page.locator("#job-log")).to_contain_text("Queued: evaluating sentiment v1 on other reviews (test)")
    expect(page.locator("#job-log")).not_to_contain_text("prompt tokens")
    page.get_by_role("link", name="Open the evaluation").click(timeout=120_000)
    page.wait_for_url(re.compile(r".*/prompts/evaluations/\d+/$"))
    expect(page.locator("main")).to_contain_text("other reviews")
