"""From a prompt page, tick versions and build an ensemble: the builder picks the best k and sums up
the choice, saving starts its evaluation on a worker, the ensemble page shows the evaluation's
progress live and then the Table-3 comparison."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset, trained_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import HELD_QUEUE, release
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_builds_an_ensemble_from_the_prompt_page(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    from django.test import override_settings
    from playwright.sync_api import expect

    from webapp.ensembles.evaluations import launch_ensemble_evaluation
    from webapp.ensembles.models import Ensemble

    base = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    reviews = make_ready_dataset(alice, name="reviews", train=8, validation=10, test=16)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=base)
    versions = [outside_event_loop(trained_version, alice, prompt, reviews, base, seed=s, accuracy=a)
                for s, a in ((31, 0.6), (32, 0.8), (33, 0.7), (34, 0.5))]

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/prompts/{prompt.pk}/")
    for version in versions[:3]:
        page.get_by_label(f"Compare v{version.version}").check()
    page.get_by_role("button", name="Build an ensemble from these versions").click()

    page.wait_for_url(re.compile(r".*/ensembles/new/\?v=.*"))
    summary = page.locator("#choice-summary")
    expect(summary).to_contain_text("3 versions chosen · from 1 prompt · validation: best 0.800, mean 0.700")
    page.get_by_label("Pick the best").fill("2")
    page.get_by_role("button", name="by validation metric").click()
    expect(summary).to_contain_text("2 versions chosen")
    expect(page.locator(f"#member-{versions[1].pk}")).to_be_checked()
    expect(page.locator(f"#member-{versions[2].pk}")).to_be_checked()
    page.locator(f"#member-{versions[0].pk}").check()
    expect(summary).to_contain_text("3 versions chosen")
    page.get_by_role("button", name="Save and evaluate").click()

    page.wait_for_url(re.compile(r".*/ensembles/\d+/$"))
    table = page.locator("#table3")
    expect(table).to_contain_text("Oracle (any member right)", timeout=120_000)
    expect(table).to_contain_text("reviews · validation")
    expect(table).to_contain_text("reviews · test")
    expect(page.locator("#agreement")).to_contain_text("sentiment v2")

    # A second evaluation, held back until the page listens: progress and results arrive live.
    ensemble = Ensemble.objects.get()
    other = make_ready_dataset(alice, name="more reviews", train=8, validation=4, test=12)
    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        job = outside_event_loop(launch_ensemble_evaluation, alice, ensemble, other, ["test"])
    page.reload()
    expect(page.locator("#ensemble-job")).to_contain_text("Evaluating on more reviews (test)")
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    outside_event_loop(release, job)
    expect(table).to_contain_text("more reviews · test", timeout=120_000)
    expect(page.locator("#ensemble-job")).to_have_count(0)
