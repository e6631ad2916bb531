"""API tokens expire: an expired key answers 401 saying so; a new token is the way on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from webapp.api.models import ApiToken
from webapp.api.services import create_token

pytestmark = pytest.mark.django_db


def test_a_new_token_expires_after_the_configured_days(alice, settings) -> None:
    settings.API_TOKEN_DAYS = 30
    token = create_token(alice, "laptop").token
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_it_refuses_an_expired_token_and_says_why(alice) -> None:
    issued = create_token(alice, "laptop")
    client = Client(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert client.get("/api/v1/datasets/").status_code == 200

    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get("/api/v1/datasets/")

    assert response.status_code == 401
    assert response.json()["error"].startswith("The token 'laptop' expired on ")
    assert "API tokens page" in response.json()["error"]
    assert response.json()["details"] == []


def test_zero_days_means_never(alice, settings) -> None:
    settings.API_TOKEN_DAYS = 0
    assert create_token(alice, "forever").token.expires_at is None
