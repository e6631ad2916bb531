"""A mapping that the rows do not fit: the upload's page, showing progress, turns back into its
mapping page with the problems and the mapping as sent; fixing the template there gives a ready
dataset."""

from __future__ import annotations

import re

import pytest

from tests.factories import write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, upload_for_mapping

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_sends_the_user_back_to_fix_the_mapping(page, asgi_server, celery_worker_process, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    rows = [{"text": f"film number {i}", "label": ("neg", "pos")[i % 2]} for i in range(30)]
    rows[7]["text"] = ""  # line 9 of the file: only reading every row finds it
    path = write_csv(tmp_path / "films.csv", rows)
    log_in(page, asgi_server, "alice", PASSWORD)
    first_mapping = upload_for_mapping(page, asgi_server, path, "Films")

    page.get_by_label("Input template").fill("{text}")
    page.get_by_label("Label words").fill("neg = negative\npos = positive")
    page.get_by_role("button", name="Create the dataset").click()

    # The worker rejects it: the same address shows the mapping again, with the problems.
    problems = page.get_by_role("alert", name="Problems")
    expect(problems).to_contain_text("Checking every row found problems", timeout=60_000)
    assert page.url == first_mapping
    expect(problems.locator("tbody tr").first).to_contain_text(
        re.compile(r"line 9 of films\.csv\s*text\s*The input is empty"))
    expect(page.get_by_label("Name")).to_have_value("Films")
    expect(page.get_by_label("Input template")).to_have_value("{text}")
    expect(page.locator("table.preview")).to_contain_text("film number 0")
    page.screenshot(path=str(tmp_path / "rejected-mapping.png"), full_page=True)

    page.get_by_label("Input template").fill("review: {text}")  # an empty review still says something
    page.get_by_role("button", name="Create the dataset").click()
    page.wait_for_url(re.compile(r".*/datasets/\d+/$"))
    expect(page.locator("[data-dataset-status]")).to_have_text("Ready", timeout=60_000)
    expect(page.get_by_role("img", name="Rows per label")).to_contain_text("negative")
    page.screenshot(path=str(tmp_path / "dataset-detail.png"), full_page=True)
    page.goto(f"{asgi_server}/datasets/")
    expect(page.locator("#dataset-list")).not_to_contain_text("Uploads not yet a dataset")
