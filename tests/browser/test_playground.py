"""The playground with two versions and an ensemble: type two lines, see each one's answer with its
probability bars, the ensemble's votes, and the input as the model saw it."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset, trained_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_answers_typed_inputs_side_by_side(strict_page, asgi_server, prediction_server_process, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    from webapp.ensembles.services import create_ensemble

    page = strict_page
    base = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    reviews = make_ready_dataset(alice, name="reviews", train=8, validation=4, test=4)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=base)
    versions = [outside_event_loop(trained_version, alice, prompt, reviews, base, seed=s, accuracy=a)
                for s, a in ((51, 0.6), (52, 0.8), (53, 0.7))]
    outside_event_loop(create_ensemble, alice, name="trio", versions=versions)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/playground/")
    long_review = " ".join(["a slow and tender film about two sisters and the sea"] * 6)
    page.get_by_label("Inputs").fill(f"a wonderful, warm film\nboring from the first scene\n{long_review}")
    page.get_by_label("sentiment v1").check()
    page.get_by_label("sentiment v2").check()
    page.get_by_label("trio").check()
    page.get_by_role("button", name="Score").click()

    page.wait_for_url(re.compile(r".*/playground/\?run=\d+$"))
    first = page.locator("section.playground-input").first
    expect(first).to_contain_text("a wonderful, warm film", timeout=120_000)
    expect(first.locator("tbody tr")).to_have_count(3)
    expect(first).to_contain_text("review: a wonderful, warm film")
    expect(first.locator("tr.ensemble")).to_contain_text("votes: negative")
    expect(first.locator("tr.version progress").first).to_be_visible()
    expect(page.locator("section.playground-input")).to_have_count(3)
    # The versions were trained at 32 input tokens: the long review is shown cut where the model cut it.
    expect(page.locator("section.playground-input").nth(2).locator("tr.version .rendered").first).to_contain_text(
        "32 kept]")
