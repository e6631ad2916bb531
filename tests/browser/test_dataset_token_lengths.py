"""On a dataset page, ask for token lengths under a base model; a worker measures them and the
page fills in by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_measures_token_lengths_in_the_background(page, asgi_server, celery_worker_process, alice,
                                                     tmp_path: Path, tiny_model_dir: Path) -> None:
    from playwright.sync_api import expect

    from webapp.basemodels.services import register_base_model

    dataset = make_dataset(alice, tmp_path, rows=40)
    # Registered after processing, so nothing was measured with it yet.
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/{dataset.pk}/")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    page.get_by_label("Tokens of base model").select_option("tiny-t5")
    page.get_by_label("Max input length").fill("8")
    page.get_by_role("button", name="See token lengths").click()
    expect(page.get_by_text("Not measured yet with tiny-t5 at 8 tokens.")).to_be_visible()

    page.get_by_role("button", name="Measure").click()
    expect(page.get_by_role("img", name="Tokens per input")).to_be_visible(timeout=60_000)
    expect(page.locator("[data-token-warning]")).to_contain_text("are longer than 8 tokens of tiny-t5")
    expect(page.locator("[data-target-tokens]")).to_contain_text("Tokens per target: mean")
    page.screenshot(path=str(tmp_path / "token-lengths.png"), full_page=True)
