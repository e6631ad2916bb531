"""Every metric says where it was measured: the prompts list and the version page name the
dataset, the split, and whether the in-training sample or a full evaluation; the version page
marks evaluations made while scoring an ensemble; a one-label classifier is flagged."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.basemodels.services import register_base_model
from webapp.ensembles.models import Ensemble
from webapp.prompts.models import Prompt
from webapp.prompts.services import record_eval_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_metrics_say_where_they_come_from(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    reviews = make_ready_dataset(alice, "reviews", train=64, validation=40, test=16)
    job = launch_held(alice, reviews, base_model, prompt_name="sentiment", eval_sample=16)
    version = make_version(Prompt.objects.get(pk=job.prompt_id), seed=1, accuracy=0.75, job=job)
    ensemble = Ensemble.objects.create(owner=alice, name="duo", base_model=base_model)
    always_negative = [{**p, "predicted": "negative", "correct": p["target_text"] == "negative"}
                       for p in rank_predictions()]
    member_run = record_eval_run(version=version, dataset=reviews, split="test", mode="rank",
                                 metrics=classification_metrics_of(always_negative), predictions=always_negative,
                                 ensemble=ensemble, ensemble_revision=1, ensemble_members=[version.pk])

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/")
    expect(page.locator("main table")).to_contain_text("during training, on a 16-row sample of reviews validation")

    page.goto(f"{asgi_server}/prompts/versions/{version.pk}/")
    expect(page.locator("#version-headline")).to_contain_text("accuracy 0.7500")
    expect(page.locator("#version-headline")).to_contain_text("16-row sample of reviews validation")
    expect(page.locator(f'#version-evaluations tr[data-run="{member_run.pk}"]')).to_contain_text(
        "scoring it as a member of ensemble duo")

    page.goto(f"{asgi_server}/prompts/evaluations/{member_run.pk}/")
    expect(page.locator("#one-label-answer")).to_contain_text("It predicts “negative” for 100% of the rows")
