from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from webapp.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_it_creates_the_token_once_and_prints_it(alice) -> None:  # type: ignore[no-untyped-def]
    first, second = StringIO(), StringIO()
    call_command("api_token", "alice", stdout=first)
    call_command("api_token", "alice", stdout=second)
    key = ApiToken.objects.get(user=alice).key
    assert first.getvalue().strip() == key == second.getvalue().strip()
    assert len(key) == 40


def test_it_names_an_unknown_user(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("api_token", "nobody")
