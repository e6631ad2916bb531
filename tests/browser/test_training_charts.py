"""The job page draws its training curves as charts (uPlot, js/charts.js) under the site's
Content-Security-Policy: axes, a legend, the value under the cursor, and points added live as the
worker records them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import JobMetric, TuningJob
from webapp.jobs.services import record_progress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOSSES = {10: 0.9, 20: 0.5, 30: 0.25}


@pytest.fixture
def running_job(alice: Any, tiny_model_dir: Any) -> TuningJob:
    """A job at step 30 of 60 with three loss points and three validation points."""
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=8, validation=4, test=0)
    job = launch_held(alice, dataset, base_model, max_steps=60)
    for step, loss in LOSSES.items():
        JobMetric.objects.create(job=job, kind="train", step=step, loss=loss)
        JobMetric.objects.create(job=job, kind="eval", step=step, values={"accuracy": 0.5 + step / 100})
    TuningJob.objects.filter(pk=job.pk).update(status="running", step=30, total_steps=60, best_metric_name="accuracy")
    return job


def progress(step: int, kind: str, **values: Any) -> dict[str, Any]:
    return {"step": step, "total_steps": 60, "elapsed_seconds": float(step), "kind": kind, **values}


def test_it_draws_axes_a_legend_hover_values_and_live_points(strict_page, asgi_server, alice, running_job) -> None:
    page = strict_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{running_job.pk}/")

    loss_chart = page.get_by_role("figure", name="Training loss per step")
    metric_chart = page.get_by_role("figure", name="Validation metric per step")
    expect(loss_chart.locator("canvas")).to_have_count(1)
    expect(loss_chart).to_have_attribute("data-points", "3")
    expect(metric_chart).to_have_attribute("data-points", "3")
    expect(loss_chart.locator(".u-axis")).to_have_count(2)  # x (step) and y (loss, log scale)
    expect(loss_chart.locator(".u-legend")).to_contain_text("training loss")
    expect(metric_chart.locator(".u-legend")).to_contain_text("validation accuracy")

    # Hovering the plot shows the value of the nearest point in the legend.
    over = loss_chart.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
    value = loss_chart.locator(".u-legend .u-series").nth(1).locator(".u-value")
    expect(value).to_have_text(re.compile(r"^(0\.9|0\.5|0\.25)$"))

    # Points the worker records arrive over the websocket and join the curves.
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    page.wait_for_load_state("networkidle")  # the page's re-read after connecting has landed
    outside_event_loop(record_progress, running_job.pk, progress(40, "step", loss=0.2), save_point=True)
    expect(loss_chart).to_have_attribute("data-points", "4")
    outside_event_loop(record_progress, running_job.pk,
                       progress(40, "eval", metrics={"accuracy": 0.95}, is_best=True), save_point=True)
    expect(metric_chart).to_have_attribute("data-points", "4")
    expect(page.locator("#job-best")).to_contain_text("accuracy 0.950 (step 40)")
    # An accuracy axis stops at 1, however close to it the points come (uPlot draws its ticks on
    # the canvas: read the scale it drew with).
    y_max = page.evaluate("SPS.charts.mount(document.getElementById('job-metric-chart')).plot.scales.y.max")
    assert 0.95 <= y_max <= 1.0
    assert page.evaluate("window.__violations") == []
