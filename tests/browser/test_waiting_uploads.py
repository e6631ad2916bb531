"""An upload left before its mapping waits on the datasets page, to resume or to discard."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, upload_for_mapping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_waiting_upload_can_be_resumed_or_discarded(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    path = write_csv(tmp_path / "reviews.csv", review_rows(20))
    log_in(page, asgi_server, "alice", PASSWORD)
    mapping_url = upload_for_mapping(page, asgi_server, path, "Half-done")

    page.goto(f"{asgi_server}/datasets/")  # walks away before creating the dataset
    waiting = page.get_by_role("region", name="Uploads not yet a dataset")
    expect(waiting).to_contain_text("Half-done: not mapped yet")
    page.screenshot(path=str(tmp_path / "waiting-upload.png"), full_page=True)
    waiting.get_by_role("link", name="Resume").click()
    page.wait_for_url(mapping_url)

    page.goto(f"{asgi_server}/datasets/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("region", name="Uploads not yet a dataset").get_by_role("button", name="Discard").click()
    page.wait_for_url(f"{asgi_server}/datasets/")
    expect(page.locator(".messages")).to_contain_text("The upload was discarded.")
    expect(page.get_by_role("region", name="Uploads not yet a dataset")).to_have_count(0)
