"""Failed logins are throttled per account and per address, with a message that says so;
a right password does not get through a lock, and a success clears the account's count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from tests.support.accounts import PASSWORD
from webapp.accounts import throttle

pytestmark = pytest.mark.django_db

ADDRESSES = ["10.9.8.1", "10.9.8.2", "10.9.8.3"]


@pytest.fixture(autouse=True)
def forget_failures(settings) -> Iterator[None]:
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5, 20
    yield
    for name in ("alice", "bob", *(f"nobody{i}" for i in range(20))):
        throttle.clear(username=name)
    for address in ADDRESSES:
        throttle.clear(address=address)


def attempt(username: str, password: str, address: str) -> tuple[int, str, bool]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code, response.content.decode(), "_auth_user_id" in client.session


def test_it_pauses_an_account_after_repeated_failures(alice) -> None:
    for _ in range(5):
        status, page, logged_in = attempt("alice", "wrong", ADDRESSES[0])
        assert status == 200
        assert not logged_in
        assert "correct username and password" in page

    # Even the right password, even from another address: the account is paused.
    status, page, logged_in = attempt("alice", PASSWORD, ADDRESSES[1])
    assert not logged_in
    assert "Too many failed logins for this account or from this address" in page
    assert "try again in 15 minutes" in page


def test_it_pauses_an_address_that_tries_many_accounts(alice, bob) -> None:
    for i in range(20):
        attempt(f"nobody{i}", "wrong", ADDRESSES[2])

    _, page, logged_in = attempt("bob", PASSWORD, ADDRESSES[2])
    assert not logged_in
    assert "Too many failed logins" in page
    assert attempt("bob", PASSWORD, ADDRESSES[0])[2], "another address is not paused"


def test_a_success_clears_the_accounts_failures(alice) -> None:
    for _ in range(4):
        attempt("alice", "wrong", ADDRESSES[0])
    assert attempt("alice", PASSWORD, ADDRESSES[0])[2]
    for _ in range(4):
        attempt("alice", "wrong", ADDRESSES[1])
    assert attempt("alice", PASSWORD, ADDRESSES[1])[2]


def test_the_admin_login_is_throttled_too(alice) -> None:
    for _ in range(5):
        Client(REMOTE_ADDR=ADDRESSES[0]).post("/admin/login/", {"username": "alice", "password": "wrong"})
    response = Client(REMOTE_ADDR=ADDRESSES[0]).post("/admin/login/", {"username": "alice", "password": "wrong"})
    assert "Too many failed logins" in response.content.decode()
