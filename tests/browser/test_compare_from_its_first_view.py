"""The compare page works from its first view: with the first ticked version unevaluated, the
reference is a version that has a run on the chosen split, so differences and p-values show;
each version keeps its colour in every section, whatever a section leaves out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_compare_versions import finished_job, flipped
from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt
from webapp.prompts.services import record_eval_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_unevaluated_first_version_is_not_the_reference(page, asgi_server, alice: Any, tiny_model_dir) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=8, validation=4, test=0)
    job = finished_job(alice, dataset, base_model, loss_scale=2.0)
    prompt = Prompt.objects.get(pk=job.prompt_id)
    unevaluated = make_version(prompt, seed=1, accuracy=0.7, job=job)
    v2 = make_version(prompt, seed=2, accuracy=0.75, parent=unevaluated)
    v3 = make_version(prompt, seed=3, accuracy=0.8, parent=v2)
    first = rank_predictions()
    for version, predictions in ((v2, first), (v3, flipped(first, 5))):
        record_eval_run(version=version, dataset=dataset, split="validation", mode="rank",
                        metrics=classification_metrics_of(predictions), predictions=predictions)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/compare/?v={unevaluated.pk}&v={v2.pk}&v={v3.pk}")
    metrics = page.locator("#metrics-table")
    expect(metrics.locator("tr.reference")).to_have_attribute("data-version", str(v2.pk))
    v3_row = metrics.locator(f'tr[data-version="{v3.pk}"]')
    expect(v3_row.locator("td").last).to_have_text(re.compile(r"^\d\.\d{4}"))  # McNemar p against v2

    # v3 is the third version: its swatch has the third colour in the metrics and in the
    # confusion matrices, where the unevaluated v1 has no matrix.
    expect(v3_row.locator(".swatch")).to_have_class("swatch v-color-2")
    expect(page.locator(f'#compare-confusion [data-version="{v3.pk}"] .swatch')).to_have_class("swatch v-color-2")
