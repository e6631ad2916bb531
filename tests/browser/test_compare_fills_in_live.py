"""'Run the missing evaluations' on the compare page: the missing version's cells fill in when its
evaluation job ends, without a reload, as the transfer matrix does."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt
from webapp.prompts.services import record_eval_run

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_missing_evaluation_fills_in_live(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "reviews", train=8, validation=8, test=0)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=base_model)
    evaluated, missing = make_version(prompt, seed=1, accuracy=0.5), make_version(prompt, seed=2, accuracy=0.6)
    predictions = rank_predictions(8)
    record_eval_run(version=evaluated, dataset=dataset, split="validation", mode="rank",
                    metrics=classification_metrics_of(predictions), predictions=predictions)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/compare/?v={evaluated.pk}&v={missing.pk}")
    row = page.locator(f'#metrics-table tr[data-version="{missing.pk}"]')
    expect(row).to_contain_text("not evaluated on this split")
    page.get_by_role("button", name="Run the missing evaluations").click()
    expect(page.locator(".messages")).to_contain_text("Evaluating v2")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    expect(row).not_to_contain_text("not evaluated", timeout=120_000)
    expect(row.locator("td").first).to_have_text(re.compile(r"^\d\.\d{4}$"))
    assert page.evaluate("window.__sameDocument") is True
