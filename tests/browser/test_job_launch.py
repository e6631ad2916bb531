"""Launch a job from the form on the tiny model; watch the progress bar and the loss chart
move without reloading; see the resulting version."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.basemodels.services import register_base_model

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_launches_a_job_and_follows_it_live(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    dataset = make_ready_dataset(alice, "movie reviews", train=64, validation=16, test=0)
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    log_in(page, asgi_server, "alice", PASSWORD)

    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Prompt name").fill("sentiment")
    page.get_by_role("button", name="5", exact=True).click()
    assert page.locator("#trainable-params").inner_text().startswith("160 (5 × 32)")
    page.get_by_label("Batch size").fill("8")
    page.get_by_label("Max steps").fill("120")
    page.get_by_label("Evaluate every (steps)").fill("30")
    page.get_by_label("Max input length").fill("32")
    page.get_by_role("button", name="Launch").click()

    page.wait_for_url(f"{asgi_server}/jobs/*/")
    assert "random weights" in page.locator(".notice").first.inner_text()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    bar = page.locator("#job-progress")
    page.wait_for_function("document.getElementById('job-progress').value > 0", timeout=90_000)
    first_value = float(bar.evaluate("b => b.value"))
    assert page.locator("#job-phase").count() == 0  # "Preparing: …" goes once steps count
    first_points = int(page.locator("#job-loss-chart").get_attribute("data-points") or 0)
    page.wait_for_function(
        f"document.getElementById('job-progress').value > {first_value} && "
        f"parseInt(document.getElementById('job-loss-chart').dataset.points) > {first_points}",
        timeout=90_000,
    )
    assert page.locator("#job-loss-chart canvas").count() == 1

    page.wait_for_selector("#job-result", timeout=120_000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#job-status").inner_text() == "Succeeded"
    assert page.locator("#job-duration").inner_text().startswith("Ran for ")
    assert "sentiment v1" in page.locator("#job-result h2").inner_text()
    assert "Validation" in page.locator("#job-result").inner_text()
    assert page.locator("#job-log li").count() >= 3
    live_log = page.locator("#job-log").inner_text()
    page.screenshot(path="test-results/job-page.png", full_page=True)

    page.reload()  # the database rebuilds the same page
    assert "sentiment v1" in page.locator("#job-result h2").inner_text()
    assert int(page.locator("#job-loss-chart").get_attribute("data-points") or 0) >= first_points
    reloaded_log = page.locator("#job-log").inner_text()
    for line in ("Base model", "Evaluation at step 30"):
        assert line in reloaded_log, reloaded_log
        assert line in live_log, live_log

    page.locator("#job-result h2 a").click()  # the version's page, then its prompt's page lists it
    page.wait_for_url(f"{asgi_server}/prompts/versions/*/")
    page.get_by_role("link", name="All versions of sentiment").click()
    page.wait_for_url(f"{asgi_server}/prompts/*/")
    version_row = page.locator("#version-1")
    assert "movie reviews" in version_row.inner_text()
    with page.expect_download() as download:
        version_row.get_by_role("link", name="download").click()
    assert download.value.suggested_filename == "sentiment-v1.safetensors"
