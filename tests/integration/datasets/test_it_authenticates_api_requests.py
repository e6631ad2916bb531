"""API authentication: a token, or a logged-in session (with CSRF for writes); JSON errors."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key

pytestmark = pytest.mark.django_db


def test_it_answers_401_without_credentials() -> None:
    response = Client().get("/api/v1/datasets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"].startswith("Authentication required")
    assert response.json()["details"] == []


def test_it_answers_401_for_a_wrong_token(alice) -> None:
    api_key(alice)
    for header in ("Token not-a-key", "Bearer x", "Token "):
        response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/datasets/")
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["error"].startswith("Invalid token")


def test_it_accepts_a_token_without_csrf(alice) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    response = client.post("/api/v1/datasets/", {})
    assert response.status_code == 400  # past auth and CSRF: the schema names what is missing
    assert {"field": "label_column", "message": "Field required"} in response.json()["details"]


def test_it_accepts_a_session_and_checks_csrf_on_writes(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/v1/datasets/").status_code == 200
    response = client.post("/api/v1/datasets/", {})
    assert response.status_code == 403
    assert response.json()["error"].startswith("CSRF check failed")


def test_it_answers_405_as_json(alice) -> None:
    response = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}").put("/api/v1/datasets/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json() == {"error": "Method PUT not allowed; use GET, POST", "details": []}
