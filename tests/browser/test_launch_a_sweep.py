"""Launch a sweep from its form, watch its grid fill in live, read its panels, and ensemble its
best runs."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import wait_for_status
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import FINAL_STATUSES, JobMethod, TuningJob
from webapp.sweeps.models import Sweep

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_sweep_launched_from_the_form_fills_in_live(page, asgi_server, celery_worker_process, alice,
                                                      tiny_model_dir) -> None:
    from playwright.sync_api import expect

    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "movie reviews", train=32, validation=8, test=0)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/sweeps/")
    page.get_by_role("link", name="Launch a sweep").click()
    page.get_by_label("Name").fill("lengths")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    for label, value in (("Batch size", "8"), ("Max steps", "10"), ("Evaluate every (steps)", "5"),
                         ("Max input length", "32"), ("Learning rate", "0.1")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Sweep prompt length").fill("2, 4")
    page.get_by_label("Sweep seed").fill("0, 1")
    expect(page.locator("#sweep-estimate")).to_contain_text("4 runs (no finished job of yours on this base model")
    page.get_by_role("button", name="Launch the sweep").click()

    sweep = Sweep.objects.get()
    page.wait_for_url(f"{asgi_server}/sweeps/{sweep.pk}/")
    expect(page.locator("#sweep-runs tbody tr")).to_have_count(4)
    # The grid fills in as the worker trains: every run ends, the panel and the best run appear.
    expect(page.locator("#sweep-status")).to_have_text("succeeded", timeout=180_000)
    expect(page.locator("#sweep-runs [data-status]")).to_have_text(["succeeded"] * 4)
    expect(page.locator("#sweep-best")).to_contain_text("Best so far")
    panel = page.locator("#sweep-panels table.panel[data-x-axis='prompt_length']")
    expect(panel).to_contain_text("prompt length 2:")
    expect(panel).to_contain_text("(2)")  # two seeds per point
    expect(page.locator("#sweep-panels [data-chart]")).to_have_attribute("data-points", "2")
    page.screenshot(path="test-results/sweep-page.png", full_page=True)

    # The paper's Table 3 in one click: the best 3 runs as an ensemble, its evaluation queued.
    page.get_by_label("Best k").fill("3")
    page.get_by_role("button", name="Ensemble the best k").click()
    page.wait_for_url(f"{asgi_server}/ensembles/*/")
    expect(page.locator("h1")).to_contain_text("lengths: best 3")
    # The worker scores the ensemble now, and the page refreshes when it ends: let both end here,
    # so that no write and no request meets the flush of the tables after the test.
    evaluation = TuningJob.objects.get(method=JobMethod.ENSEMBLE_EVALUATION)
    wait_for_status(evaluation, *FINAL_STATUSES, timeout=120)
    page.wait_for_load_state("networkidle")


def test_the_form_names_a_run_that_cannot_be_trained(page, asgi_server, alice, tiny_model_dir) -> None:
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "movie reviews", train=16, validation=4, test=0)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/sweeps/new/")
    page.get_by_label("Name").fill("too short")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Sweep prompt length").fill("1, 5")
    page.get_by_label("Leave out runs that cannot train").uncheck()
    page.get_by_role("button", name="Launch the sweep").click()
    errors = page.locator("#sweep-form .errors")
    assert "Run prompt length 1: " in errors.first.inner_text()
    assert "2 labels and only 1 prompt" in errors.first.inner_text()
    page.screenshot(path="test-results/sweep-form-error.png", full_page=True)
    assert Sweep.objects.count() == 0


def test_the_figure_3_preset_launches_its_runs_that_filter_and_cancel(page, asgi_server, celery_worker_process,
                                                                     alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "movie reviews", train=16, validation=4, test=0)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/sweeps/new/")
    page.get_by_label("Name").fill("figure 3")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Preset").select_option("figure3")
    expect(page.locator("#sweep-estimate")).to_contain_text("45 runs")
    page.get_by_label("Max steps", exact=True).fill("100000")
    page.get_by_label("Evaluate every (steps)").fill("50000")
    page.get_by_role("button", name="Launch the sweep").click()
    page.wait_for_url(f"{asgi_server}/sweeps/*/")
    # Class-label initialisation of a 1-token prompt cannot start from two labels: left out, said so.
    expect(page.locator("#sweep-runs tbody tr")).to_have_count(42)
    expect(page.locator("#sweep-skipped summary")).to_have_text("3 grid points left out: they cannot train")

    page.locator("#sweep-filters").get_by_label("Init").select_option("vocab")
    expect(page.locator("#sweep-shown")).to_have_text("15 of 42 runs shown")
    expect(page.locator("#sweep-runs tbody tr:visible")).to_have_count(15)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the sweep").click()
    page.wait_for_url(f"{asgi_server}/sweeps/*/")
    # Running runs stop at their next step and the page hears it; a filter outlasts those refreshes.
    page.locator("#sweep-filters").get_by_label("Status").select_option("cancelled")
    expect(page.locator("#sweep-status")).to_have_text("cancelled", timeout=120_000)
    expect(page.locator("#sweep-shown")).to_have_text("42 of 42 runs shown")
    page.screenshot(path="test-results/sweep-figure3.png", full_page=False)
