"""The login throttle's per-address count cannot be dodged with X-Forwarded-For: the header is
believed only from a configured proxy (TRUSTED_PROXIES), read right to left past our proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from django.test import Client, RequestFactory

from webapp.accounts import throttle
from webapp.lib.client_address import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def request_from(peer: str, forwarded: str = ""):  # noqa: ANN201 - an HttpRequest
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(request_from("203.0.113.9", "1.2.3.4"), proxies=()) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client_right_to_left() -> None:
    ours = (ipaddress.ip_network(PROXY), ipaddress.ip_network("10.1.0.0/16"))
    # The client wrote "6.6.6.6" itself; our two proxies appended the address each saw.
    request = request_from(PROXY, "6.6.6.6, 198.51.100.7, 10.1.2.3")
    assert client_address(request, proxies=ours) == "198.51.100.7"
    assert client_address(request_from(PROXY, "10.1.2.3"), proxies=ours) == PROXY  # started inside
    assert client_address(request_from("203.0.113.9", "198.51.100.7"), proxies=ours) == "203.0.113.9"


@pytest.fixture
def strict_address_limit(settings) -> Iterator[None]:
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT = 100, 3
    settings.TRUSTED_PROXY_NETWORKS = ()
    yield
    throttle.clear(address="203.0.113.9")
    for i in range(5):
        throttle.clear(username=f"nobody{i}")


def test_a_client_rotating_the_header_is_counted_as_itself(strict_address_limit) -> None:
    for i in range(4):
        client = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        page = client.post("/accounts/login/", {"username": f"nobody{i}", "password": "wrong"}).content.decode()
    assert "Too many failed logins" in page
