"""A malformed TRUSTED_PROXIES stops start-up with a message naming the variable."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured

from webapp.lib.env import env_networks


def test_it_reads_addresses_and_networks(monkeypatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1")
    assert env_networks("TRUSTED_PROXIES") == (ipaddress.ip_network("10.0.0.5"), ipaddress.ip_network("10.1.0.0/16"),
                                               ipaddress.ip_network("::1"))


def test_it_names_the_variable_and_the_bad_entry(monkeypatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5,proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES: 'proxy.internal' is not an IP address"):
        env_networks("TRUSTED_PROXIES")
