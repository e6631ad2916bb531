"""Fill a domain-transfer matrix: pick a version and two datasets, see the cell that has a result,
evaluate the missing one on a real worker and watch its cell fill in without reloading, under the
site's Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt
from webapp.prompts.services import record_eval_run

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_fills_the_missing_cells_live(strict_page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    version = make_version(Prompt.objects.create(owner=alice, name="sentiment", base_model=base_model),
                           seed=1, accuracy=0.5)
    movies = make_ready_dataset(alice, name="movie reviews", train=8, validation=4, test=10)
    products = make_ready_dataset(alice, name="product reviews", train=8, validation=4, test=10)
    no_test = make_ready_dataset(alice, name="unlabelled reviews", train=8, validation=4, test=0)
    record_eval_run(version=version, dataset=movies, split="test", mode="rank",
                    metrics={"accuracy": 0.7}, predictions=[])
    page = strict_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, asgi_server, "alice", PASSWORD)

    page.goto(f"{asgi_server}/prompts/")
    page.get_by_role("link", name="Domain transfer matrix").click()
    page.get_by_label("sentiment v1 (tiny-t5)").check()
    page.get_by_label("movie reviews").check()
    page.get_by_label("product reviews").check()
    page.get_by_label("unlabelled reviews").check()
    page.get_by_label("Split").select_option("test")
    page.get_by_role("button", name="Show the matrix").click()
    page.wait_for_url(re.compile(rf".*/prompts/transfer/\?v={version.pk}&d=\d+&d=\d+&d=\d+&split=test$"))

    row = page.locator(f'#transfer-table tr[data-version="{version.pk}"]')
    expect(row.locator(f'td[data-dataset="{movies.pk}"]')).to_contain_text("0.700")
    product_cell = row.locator(f'td[data-dataset="{products.pk}"]')
    expect(product_cell).to_have_attribute("data-state", "missing")
    # A cell that cannot be evaluated says why in the cell, without hovering.
    expect(row.locator(f'td[data-dataset="{no_test.pk}"]')).to_contain_text("has no test split")

    page.get_by_role("button", name="Evaluate missing cells (1)").click()
    expect(page.locator(".messages")).to_contain_text("Queued 1 evaluation")
    expect(page.locator(".messages")).not_to_contain_text("Not evaluated")  # no alarm for the known cell
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    expect(product_cell).to_have_attribute("data-state", re.compile("queued|running|done"))
    expect(product_cell).to_have_attribute("data-state", "done", timeout=120_000)
    expect(product_cell.locator("a.value")).to_have_text(re.compile(r"^\d\.\d{3}$"))
    assert page.evaluate("window.__sameDocument") is True
    expect(page.get_by_role("button", name=re.compile("Evaluate missing cells"))).to_have_count(0)
    assert page.evaluate("window.__violations") == []

    product_cell.locator("a.value").click()  # the cell opens its evaluation
    page.wait_for_url(re.compile(r".*/prompts/evaluations/\d+/$"))
    expect(page.locator("main")).to_contain_text("product reviews")
