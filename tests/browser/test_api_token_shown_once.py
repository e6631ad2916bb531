"""Making a token redirects after the POST: a reload neither makes a second token nor shows the
key again, the page that shows the key is never cached, and the key has a working Copy button."""

from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reload_after_making_a_token_makes_nothing(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=asgi_server)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/accounts/tokens/")
    page.get_by_label("Name").fill("laptop")
    with page.expect_response(lambda r: r.url.endswith("/accounts/tokens/") and r.request.method == "GET") as shown:
        page.get_by_role("button", name="Create token").click()
    assert "no-store" in shown.value.headers["cache-control"]
    key = page.locator("#new-token-key").inner_text().strip()
    assert key.startswith("sps_")

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key

    page.reload()
    expect(page.locator("tr[data-token]")).to_have_count(1)
    expect(page.locator("#new-token-key")).to_have_count(0)
    assert key not in page.content()
