"""The API tokens page lists and revokes only the user's own tokens; a key appears once."""

from __future__ import annotations

import pytest
from django.test import Client

from webapp.api.models import ApiToken
from webapp.api.services import create_token

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_only_ones_own_tokens_without_keys(alice, bob) -> None:
    alices, bobs = create_token(alice, "alice laptop"), create_token(bob, "bob laptop")
    html = logged_in(alice).get("/accounts/tokens/").content.decode()
    assert "alice laptop" in html
    assert alices.token.prefix in html
    assert "bob laptop" not in html
    assert alices.key not in html
    assert bobs.key not in html


def test_a_key_is_shown_in_the_answer_that_made_it_only(alice) -> None:
    client = logged_in(alice)
    answer = client.post("/accounts/tokens/", {"name": "ci"}, follow=True)
    assert answer.redirect_chain == [("/accounts/tokens/", 302)]  # a reload re-sends nothing
    assert "no-store" in answer["Cache-Control"]
    made = answer.content.decode()
    token = ApiToken.objects.for_user(alice).get()
    key = made.split('id="new-token-key">')[1].split("<")[0]
    assert key.startswith(token.prefix)
    assert len(key) > len(token.prefix)
    assert key not in client.get("/accounts/tokens/").content.decode()


def test_a_stranger_cannot_revoke_a_token(alice, bob) -> None:
    issued = create_token(alice, "laptop")
    assert logged_in(bob).post(f"/accounts/tokens/{issued.token.pk}/revoke/").status_code == 404
    assert logged_in(alice).get(f"/accounts/tokens/{issued.token.pk}/revoke/").status_code == 405
    assert Client(HTTP_AUTHORIZATION=f"Token {issued.key}").get("/api/v1/jobs/").status_code == 200

    assert logged_in(alice).post(f"/accounts/tokens/{issued.token.pk}/revoke/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {issued.key}").get("/api/v1/jobs/").status_code == 401


def test_an_empty_name_is_refused(alice) -> None:
    html = logged_in(alice).post("/accounts/tokens/", {"name": "  "}).content.decode()
    assert "This field is required." in html
    assert not ApiToken.objects.for_user(alice).exists()


def test_the_tokens_page_needs_a_login() -> None:
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
