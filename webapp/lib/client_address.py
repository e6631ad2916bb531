"""The address of the client behind a request, trusting `X-Forwarded-For` only from our proxies.

Daphne runs without `--proxy-headers`, so REMOTE_ADDR is the peer that connected. Anyone can
send `X-Forwarded-For`; only a peer listed in TRUSTED_PROXIES (addresses or networks, e.g. the
load balancer's) is believed. Its header is read right to left, skipping our own proxies: the
first address that is not one of them is the client (entries left of it were written by the
client and prove nothing).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network  # settings.TRUSTED_PROXY_NETWORKS


def _is_trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: HttpRequest, proxies: tuple[Network, ...] | None = None) -> str:
    proxies = settings.TRUSTED_PROXY_NETWORKS if proxies is None else proxies
    peer = request.META.get("REMOTE_ADDR") or "unknown"
    if not _is_trusted(peer, proxies):
        return peer
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    for entry in reversed(forwarded):
        if not _is_trusted(entry, proxies):
            return entry
    return peer  # every hop is one of ours: the request started inside
