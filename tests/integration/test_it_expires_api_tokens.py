"""API tokens expire: an expired key answers 401 saying so, and the command replaces it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from webapp.api.models import ApiToken
from webapp.api.services import ensure_token

pytestmark = pytest.mark.django_db


def test_a_new_token_expires_after_the_configured_days(alice, settings) -> None:  # type: ignore[no-untyped-def]
    settings.API_TOKEN_DAYS = 30
    token = ensure_token(alice)
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_it_refuses_an_expired_token_and_says_why(alice) -> None:  # type: ignore[no-untyped-def]
    token = ensure_token(alice)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/datasets/").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get("/api/v1/datasets/")

    assert response.status_code == 401
    assert response.json()["error"].startswith("The token expired on ")
    assert response.json()["details"] == []


def test_the_command_replaces_an_expired_token(alice) -> None:  # type: ignore[no-untyped-def]
    old = ensure_token(alice)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()

    call_command("api_token", "alice", stdout=out, stderr=StringIO())

    new = ApiToken.objects.get(user=alice)
    assert out.getvalue().strip() == new.key != old.key
    assert not new.expired
    assert Client(HTTP_AUTHORIZATION=f"Token {old.key}").get("/api/v1/datasets/").status_code == 401


def test_zero_days_means_never(alice, settings) -> None:  # type: ignore[no-untyped-def]
    settings.API_TOKEN_DAYS = 0
    assert ensure_token(alice).expires_at is None
