"""The launch form says how many training inputs a max input length cuts before the job runs,
and the job's log later reports the same number; the default length cuts at most 5%."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.basemodels.services import register_base_model
from webapp.jobs.launch_hints import default_max_input_length, input_lengths

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_form_counts_the_cuts_the_job_makes(page, asgi_server, celery_worker_process, alice,
                                                tiny_model_dir) -> None:
    from playwright.sync_api import expect

    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)  # measures at processing
    dataset = make_ready_dataset(alice, "movie reviews", train=64, validation=16, test=0)
    lengths = input_lengths(dataset)
    assert lengths is not None and lengths.total == 64
    limit = max(8, max(lengths.counts) - 1)  # cuts the longest inputs (the form's minimum is 8)
    expected = lengths.cut_by(limit)
    assert 0 < expected <= 64

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    # The default cuts at most 5% of the training inputs.
    expect(page.get_by_label("Max input length")).to_have_value(str(default_max_input_length(dataset)))
    assert lengths.cut_by(default_max_input_length(dataset)) <= 0.05 * 64
    page.get_by_label("Prompt name").fill("cut")
    page.get_by_label("Max input length").fill(str(limit))
    hint = page.locator('[data-hint-for="max_input_length"]')
    expect(hint).to_contain_text(f"{limit} cuts {expected} of 64 training inputs")
    page.get_by_label("Batch size").fill("8")
    page.get_by_label("Max steps").fill("10")
    page.get_by_label("Evaluate every (steps)").fill("10")
    page.get_by_role("button", name="Launch").click()

    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=120_000)
    expect(page.locator("#job-log")).to_contain_text(
        f"{expected} of 64 training inputs were longer than {limit} tokens and were cut")
