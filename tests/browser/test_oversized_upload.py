"""A file over the upload limit: the page's script says so before sending anything; without
the script the server refuses the body as it arrives and shows the upload page again with a
message saying what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.processes import daphne_server, free_port, port_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def small_limit_server(service_logs) -> Iterator[str]:
    """One Daphne with a 64 KB limit for the module's tests (each start imports the app: seconds)."""
    port = free_port()
    server = daphne_server(service_logs, port, UPLOAD_MAX_BYTES="64KB")
    server.start(ready=lambda: port_open(port), timeout=60)
    yield f"http://127.0.0.1:{port}"
    server.stop()


BIG = b"text,label\n" + b"a fine film,1\n" * (2 * 1024 * 1024 // 14)


def test_the_page_refuses_a_file_over_the_limit_before_sending(page, small_limit_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, small_limit_server, "alice", PASSWORD)
    page.goto(f"{small_limit_server}/datasets/new/")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.set_input_files("#id_file", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": BIG}])
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("[data-upload-error]")).to_contain_text("over the upload limit of 64 KB")
    assert posts == []


def test_without_script_the_server_explains_an_upload_over_the_limit(browser, small_limit_server, alice) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, small_limit_server, "alice", PASSWORD)
    page.goto(f"{small_limit_server}/datasets/new/")
    expect(page.get_by_text("up to 64 KB in all")).to_be_visible()

    page.set_input_files("#id_file", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": BIG}])
    page.get_by_role("button", name="Upload and check").click()

    message = page.locator(".messages .message.error")
    expect(message).to_contain_text("over the size limit of 64 KB")
    expect(message).to_contain_text("nothing was stored")
    expect(page.get_by_role("heading", name="Upload a dataset")).to_be_visible()
    context.close()
