"""The mapping page marks an unknown {placeholder} in the live preview and, on submit, names every
problem at once."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, upload_for_mapping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_marks_unknown_columns_and_lists_all_problems(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    path = write_csv(tmp_path / "reviews.csv", review_rows(30))
    log_in(page, asgi_server, "alice", PASSWORD)
    upload_for_mapping(page, asgi_server, path)

    page.get_by_label("Input template").fill("review: {txt} ({label})")
    unknown = page.locator("table.preview mark.unknown-column").first
    expect(unknown).to_have_text("{txt}")
    page.get_by_label("Validation share").fill("0.5")
    page.get_by_label("Test share").fill("0.45")
    page.get_by_role("button", name="Create the dataset").click()

    expect(page.get_by_text("Validation and test together must leave at least 10% for training")).to_be_visible()
    expect(page.get_by_text("refers to column 'txt', which the file lacks")).to_be_visible()
    expect(page.get_by_text("includes the label column {label}")).to_be_visible()
    page.screenshot(path=str(tmp_path / "mapping-problems.png"), full_page=True)
