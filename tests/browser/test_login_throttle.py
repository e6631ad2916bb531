"""After repeated wrong passwords the login page says that logging in is paused, and why."""

from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD
from webapp.accounts import throttle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_explains_a_paused_login(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    # Failed logins of earlier tests from the same address count too: start from none.
    throttle.clear(username="alice", address="127.0.0.1")
    try:
        page.goto(f"{asgi_server}/accounts/login/")
        for _ in range(5):
            page.get_by_label("Username").fill("alice")
            page.get_by_label("Password").fill("not her password")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("alert")).to_contain_text("correct username and password")

        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Too many failed logins for this account or from this address")
        expect(alert).to_contain_text("try again in 15 minutes")
        assert "/accounts/login/" in page.url
    finally:
        throttle.clear(username="alice", address="127.0.0.1")
