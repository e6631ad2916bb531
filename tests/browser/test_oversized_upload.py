"""A file over the upload limit: the server refuses the body as it arrives, and the browser
shows the upload page again with a message saying what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.support.processes import daphne_server, free_port, port_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def small_limit_server(service_logs) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = free_port()
    server = daphne_server(service_logs, port, UPLOAD_MAX_BYTES="64KB")
    server.start(ready=lambda: port_open(port), timeout=60)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_it_explains_an_upload_over_the_limit(page, small_limit_server, alice) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    log_in(page, small_limit_server, "alice", PASSWORD)
    page.goto(f"{small_limit_server}/datasets/new/")
    expect(page.get_by_text("up to 64 KB in all")).to_be_visible()

    big = b"text,label\n" + b"a fine film,1\n" * (2 * 1024 * 1024 // 14)
    page.set_input_files("#id_file", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big}])
    page.get_by_role("button", name="Upload and check").click()

    message = page.locator(".messages .message.error")
    expect(message).to_contain_text("over the size limit of 64 KB")
    expect(message).to_contain_text("nothing was stored")
    expect(page.get_by_role("heading", name="Upload a dataset")).to_be_visible()
