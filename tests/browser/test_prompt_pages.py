"""A version page (tags, notes, lineage) and an evaluation page (filter the errors) in Chromium,
under the site's Content-Security-Policy (`strict_page`)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import JobMetric, TuningJob
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.services import record_eval_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def versions(alice: Any, tiny_model_dir: Any) -> tuple[list[PromptVersion], EvalRun]:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=8, validation=4, test=0)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=base_model)
    v1 = make_version(prompt, seed=1, accuracy=0.8)
    # v2 continues from v1 in a job whose curve the version page draws.
    job = launch_held(alice, dataset, base_model, continue_from=v1, max_steps=30)
    for step in (10, 20, 30):
        JobMetric.objects.create(job=job, kind="train", step=step, loss=2.0 / step)
        JobMetric.objects.create(job=job, kind="eval", step=step, values={"accuracy": 0.5 + step / 100})
    TuningJob.objects.filter(pk=job.pk).update(status="succeeded", step=30, total_steps=30,
                                               best_metric_name="accuracy")
    v2 = make_version(prompt, seed=2, accuracy=0.6, parent=v1, job=job)
    predictions = rank_predictions()
    run = record_eval_run(version=v2, dataset=dataset, split="validation", mode="rank",
                          metrics=classification_metrics_of(predictions), predictions=predictions)
    return [v1, v2], run


@pytest.fixture
def alices_page(strict_page, asgi_server, alice):
    """Alice logged in, under the Content-Security-Policy, its violations recorded."""
    strict_page.add_init_script(RECORD_VIOLATIONS)
    log_in(strict_page, asgi_server, "alice", PASSWORD)
    return strict_page


def test_it_edits_tags_and_notes_and_follows_the_lineage(alices_page, asgi_server, versions) -> None:
    (v1, v2), _ = versions
    page = alices_page
    page.goto(f"{asgi_server}/prompts/{v1.prompt_id}/")
    page.screenshot(path="test-results/prompt-page.png", full_page=True)
    page.locator("#version-2").get_by_role("link", name="v2", exact=True).click()
    page.wait_for_url(f"{asgi_server}/prompts/versions/{v2.pk}/")
    assert page.locator("#version-init").inner_text() == "continued from v1"
    expect(page.locator("#version-loss-chart")).to_have_attribute("data-points", "3")  # charts.js ran
    expect(page.locator("#version-metric-chart")).to_have_attribute("data-points", "3")
    assert "Learning rate" in page.locator("#version-config").inner_text()

    page.get_by_label("Tags").fill("production, baseline")
    page.get_by_label("Notes").fill("Shipped on Monday.")
    page.get_by_role("button", name="Save notes and tags").click()
    page.wait_for_url(f"{asgi_server}/prompts/versions/{v2.pk}/")
    assert page.locator("#version-tags .tag").all_inner_texts() == ["production", "baseline"]
    assert "Shipped on Monday." in page.locator("#version-notes").inner_text()
    page.screenshot(path="test-results/prompt-version.png", full_page=True)

    page.locator("#lineage").get_by_role("link", name="sentiment v1").click()
    page.wait_for_url(f"{asgi_server}/prompts/versions/{v1.pk}/")
    assert page.locator("#lineage li.current").first.inner_text().startswith("sentiment v1")
    assert page.locator("#lineage").get_by_role("link", name="sentiment v2").is_visible()
    assert page.evaluate("window.__violations") == []


def test_it_filters_an_evaluation_to_its_errors(alices_page, asgi_server, versions) -> None:
    (_, v2), run = versions
    page = alices_page
    page.goto(f"{asgi_server}/prompts/versions/{v2.pk}/")
    page.get_by_role("link", name="Open evaluation").click()
    page.wait_for_url(f"{asgi_server}/prompts/evaluations/{run.pk}/")
    assert page.locator("table.predictions tbody tr").count() == 50
    page.screenshot(path="test-results/prompt-evaluation.png", full_page=True)

    page.get_by_label("Errors only").check()
    page.locator("#id_sort").select_option("confidence")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/?errors_only=on*")
    rows = page.locator("table.predictions tbody tr")
    assert rows.count() == 30
    assert page.locator("table.predictions tbody tr.right").count() == 0
    assert rows.first.get_attribute("data-index") == "3"  # the least confident error first
    assert "30 of 120 predictions" in page.locator("#prediction-count").inner_text()
    assert page.get_by_label("Errors only").is_checked()
    page.screenshot(path="test-results/prompt-evaluation-errors.png", full_page=True)
    assert page.evaluate("window.__violations") == []


def test_the_version_page_offers_three_downloads(alices_page, asgi_server, versions) -> None:
    page = alices_page
    (v1, _), _ = versions
    page.goto(f"{asgi_server}/prompts/versions/{v1.pk}/")
    downloads = page.locator("#version-downloads")
    for suffix in (".safetensors", ".npy", "-peft.zip"):
        with page.expect_download() as download:
            downloads.get_by_role("link", name=f"sentiment-v1{suffix}").click()
        assert download.value.suggested_filename == f"sentiment-v1{suffix}"
    expect(downloads.locator("pre.snippet")).to_contain_text("PeftModel.from_pretrained")
