"""`manage.py api_token USERNAME [--name N]` makes a new token each time and prints its key once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from webapp.api.models import ApiToken, hash_key

pytestmark = pytest.mark.django_db


def test_it_creates_a_new_token_each_time_and_prints_its_key(alice) -> None:
    first, second, err = StringIO(), StringIO(), StringIO()
    call_command("api_token", "alice", "--name", "ci", stdout=first, stderr=err)
    call_command("api_token", "alice", stdout=second, stderr=StringIO())

    keys = [first.getvalue().strip(), second.getvalue().strip()]
    assert keys[0] != keys[1]
    assert all(k.startswith("sps_") for k in keys)
    tokens = ApiToken.objects.for_user(alice)
    assert {t.key_hash for t in tokens} == {hash_key(k) for k in keys}
    assert tokens.get(key_hash=hash_key(keys[0])).name == "ci"
    assert "shown only now" in err.getvalue()
    assert Client(HTTP_AUTHORIZATION=f"Token {keys[0]}").get("/api/v1/jobs/").status_code == 200


def test_it_refuses_a_name_already_used(alice) -> None:
    call_command("api_token", "alice", "--name", "ci", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="already have a token named 'ci'"):
        call_command("api_token", "alice", "--name", "ci", stdout=StringIO(), stderr=StringIO())


def test_it_names_an_unknown_user(db) -> None:
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("api_token", "nobody")
