"""Compare two versions in Chromium under the Content-Security-Policy: tick them on the prompt
page, open the comparison, see the differing settings highlighted and keep only those, read the
overlaid curves' hover values, and filter the disagreement table by gold label."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import launch_held
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import JobMetric, TuningJob
from webapp.prompts.models import Prompt, PromptVersion
from webapp.prompts.services import compute_nearest_tokens, record_eval_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def finished_job(alice: Any, dataset: Any, base_model: Any, *, loss_scale: float, **config: Any) -> TuningJob:
    job = launch_held(alice, dataset, base_model, max_steps=30, **config)
    for step in (10, 20, 30):
        JobMetric.objects.create(job=job, kind="train", step=step, loss=loss_scale / step)
        JobMetric.objects.create(job=job, kind="eval", step=step, values={"accuracy": 0.5 + step / 100})
    TuningJob.objects.filter(pk=job.pk).update(status="succeeded", step=30, total_steps=30, best_metric_name="accuracy")
    return job


def flipped(predictions: list[dict[str, Any]], every: int) -> list[dict[str, Any]]:
    """The same examples, right where `rank_predictions` is wrong and wrong on every `every`-th."""
    out = []
    for p in predictions:
        i, gold = p["index"], p["target_text"]
        wrong = i % every == 0
        other = "positive" if gold == "negative" else "negative"
        out.append({**p, "predicted": other if wrong else gold, "correct": not wrong,
                    "scores": {gold: -1.0 if wrong else -0.2, other: -0.2 if wrong else -1.0}})
    return out


@pytest.fixture
def two_versions(alice: Any, tiny_model_dir: Any) -> list[PromptVersion]:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=8, validation=4, test=0)
    job1 = finished_job(alice, dataset, base_model, loss_scale=2.0)  # creates the prompt "sentiment"
    prompt = Prompt.objects.get(pk=job1.prompt_id)
    v1 = make_version(prompt, seed=1, accuracy=0.75, job=job1)
    job2 = finished_job(alice, dataset, base_model, loss_scale=4.0, continue_from=v1, learning_rate=0.1)
    v2 = make_version(prompt, seed=2, accuracy=0.8, parent=v1, job=job2)
    first = rank_predictions()
    for version, predictions in ((v1, first), (v2, flipped(first, 5))):
        record_eval_run(version=version, dataset=dataset, split="validation", mode="rank",
                        metrics=classification_metrics_of(predictions), predictions=predictions)
    return [v1, v2]


def test_it_compares_two_ticked_versions(strict_page, asgi_server, alice, two_versions) -> None:
    v1, v2 = two_versions
    page = strict_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/{v1.prompt_id}/")

    compare = page.locator("[data-compare-button]")
    expect(compare).to_be_disabled()
    page.get_by_label("Compare v1").check()
    expect(page.locator("[data-compare-count]")).to_have_text("1 ticked")
    page.get_by_label("Compare v2").check()
    expect(compare).to_be_enabled()
    compare.click()
    page.wait_for_url(re.compile(r"/prompts/compare/\?v=\d+&v=\d+$"))

    config = page.locator("table.compare-config")
    learning_rate = config.locator("tr", has=page.locator("th", has_text="Learning rate"))
    expect(learning_rate).to_have_class("differs")
    expect(learning_rate.locator("td")).to_have_text(["0.3", "0.1"])
    same = config.locator("tr.same").first
    expect(same).to_be_visible()
    page.get_by_label("Show only differences").check()
    expect(same).to_be_hidden()
    expect(learning_rate).to_be_visible()

    loss = page.get_by_role("figure", name="Training loss of each version")
    expect(loss).to_have_attribute("data-points", "6")  # 3 points of each version, overlaid
    expect(loss.locator(".u-legend")).to_contain_text("v1")
    expect(loss.locator(".u-legend")).to_contain_text("v2")
    box = loss.locator(".u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + 4, box["y"] + box["height"] / 2)
    expect(loss.locator(".u-legend .u-series").nth(1).locator(".u-value")).to_have_text("0.2")  # 2.0 / 10
    expect(loss.locator(".u-legend .u-series").nth(2).locator(".u-value")).to_have_text("0.4")  # 4.0 / 10

    # The bootstrap interval arrives after the page, from a second request.
    interval = page.locator(f'#metrics-table tr[data-version="{v2.pk}"] td').nth(6)
    expect(interval).to_have_text(re.compile(r"^\[-?0\.\d{4}, 0\.\d{4}\]$"))

    count = page.locator("#disagreement-count")
    expect(count).to_contain_text("42 examples where the predictions differ")
    page.locator("#gold-filter").select_option("positive")
    expect(count).to_contain_text("(gold positive)")
    golds = page.locator("table.disagreements tbody tr td:nth-child(3)")
    expect(golds.first).to_have_text("positive")
    assert set(golds.all_inner_texts()) == {"positive"}
    page.screenshot(path="test-results/compare-page.png", full_page=True)
    assert page.evaluate("window.__violations") == []


def test_nearest_tokens_fill_in_when_the_worker_stores_them(strict_page, asgi_server, alice, two_versions) -> None:
    page = strict_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/compare/?" + "&".join(f"v={v.pk}" for v in two_versions))
    page.get_by_role("button", name="Compute nearest tokens").click()
    first = page.locator("#compare-neighbours details").first
    # "done" already when a worker another test started took the task first.
    expect(first).to_have_attribute("data-status", re.compile(r"^(queued|done)$"))
    for version in two_versions:  # the worker's task, run here
        outside_event_loop(compute_nearest_tokens, version.pk)
    expect(first).to_have_attribute("data-status", "done", timeout=15_000)
    expect(first).to_contain_text("4 positions")
    expect(first.locator("tbody tr")).to_have_count(4)
    expect(first.locator("tbody tr").first).to_be_visible()  # the first version's list opens by itself
    page.screenshot(path="test-results/compare-neighbours.png", full_page=True)
    assert page.evaluate("window.__violations") == []


def test_the_jobs_list_and_the_prompts_list_pick_versions_too(strict_page, asgi_server, alice, two_versions) -> None:
    v1, v2 = two_versions
    page = strict_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/")
    page.get_by_label("Compare sentiment v1").check()
    page.get_by_label("Compare sentiment v2").check()
    page.get_by_role("button", name="Compare versions").click()
    page.wait_for_url(re.compile(r"/prompts/compare/\?v=\d+&v=\d+$"))
    assert sorted(re.findall(r"v=(\d+)", page.url)) == sorted([str(v1.pk), str(v2.pk)])
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare 2 versions")

    page.goto(f"{asgi_server}/prompts/")
    page.get_by_label("Compare sentiment v2").check()  # the latest (and best) version of the prompt
    expect(page.locator("[data-compare-button]")).to_be_disabled()  # one is not a comparison
    assert page.evaluate("window.__violations") == []
