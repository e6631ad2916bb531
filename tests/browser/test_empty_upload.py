"""An empty file is refused as empty, by name, and the upload bar stays hidden until an upload
starts."""

from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_empty_file_is_called_empty(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    empty = tmp_path / "reviews.csv"
    empty.write_bytes(b"")
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/new/")
    expect(page.locator("[data-upload-progress]")).to_be_hidden()
    page.set_input_files("#id_file", str(empty))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#upload-form")).to_contain_text("The file is empty (0 bytes)")
    expect(page.locator("#upload-form")).not_to_contain_text("Choose a file to upload")
    expect(page.locator("[data-upload-progress]")).to_be_hidden()
