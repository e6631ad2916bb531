"""A person makes an API token in the browser, sees its key once, uses it from a script against
the live server, and revokes it: the script then gets 401."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def list_jobs(base_url: str, key: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(f"{base_url}/api/v1/jobs/", headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_token_made_in_the_browser_works_until_it_is_revoked(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    page.wait_for_url(f"{asgi_server}/accounts/tokens/")
    expect(page.get_by_text("You have no API token yet.")).to_be_visible()

    page.get_by_label("Name").fill("laptop notebook")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy the key now: it will not be shown again.")).to_be_visible()
    key = page.locator("#new-token-key").inner_text().strip()
    assert key.startswith("sps_")
    row = page.locator('tr[data-token="laptop notebook"]')
    expect(row).to_contain_text(key[:12])
    expect(row).to_contain_text("never")  # not used yet

    status, body = list_jobs(asgi_server, key)
    assert (status, body) == (200, {"results": []})

    page.goto(f"{asgi_server}/accounts/tokens/")
    assert key not in page.content()  # shown once, never again
    expect(row).not_to_contain_text("never")  # last used: just now

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".messages")).to_contain_text("Token 'laptop notebook' revoked")
    expect(page.locator('tr[data-token="laptop notebook"]')).to_have_count(0)

    status, body = list_jobs(asgi_server, key)
    assert status == 401
    assert set(body) == {"error", "details"}
    assert body["error"].startswith("Invalid token")


def test_a_name_used_twice_is_refused_with_a_message(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/accounts/tokens/")
    for _ in range(2):
        page.get_by_label("Name").fill("ci")
        page.get_by_role("button", name="Create token").click()
    expect(page.locator(".token-form .errors")).to_contain_text("You already have a token named 'ci'")
    expect(page.locator("#new-token-key")).to_have_count(0)
    expect(page.locator("tr[data-token]")).to_have_count(1)
