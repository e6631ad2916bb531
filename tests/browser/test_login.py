from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_and_shows_the_navigation(page, asgi_server, alice) -> None:
    page.goto(f"{asgi_server}/")
    assert "/accounts/login/" in page.url
    assert page.locator(".brand").inner_text() == "Soft Prompt Studio", "the site's name, not the host"

    log_in(page, asgi_server, "alice", PASSWORD)

    nav = page.get_by_role("navigation", name="Main")
    for label in ["Datasets", "Jobs", "Prompts", "Ensembles", "Base models"]:
        assert nav.get_by_role("link", name=label).is_visible()
    assert page.locator(".who").inner_text() == "alice"

    nav.get_by_role("link", name="Datasets").click()
    page.wait_for_url(f"{asgi_server}/datasets/")
    assert page.get_by_role("heading", name="Datasets").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{asgi_server}/accounts/login/")


def test_it_explains_a_wrong_password(page, asgi_server, alice) -> None:
    page.goto(f"{asgi_server}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Log in").click()
    assert "correct username and password" in page.get_by_role("alert").inner_text()
