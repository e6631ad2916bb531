"""Account operations shared by views, commands and tests."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed by `make run`; a local demo account


@dataclass(frozen=True)
class DemoAccount:
    user: AbstractBaseUser
    password: str
    created: bool


@transaction.atomic
def ensure_demo_user() -> DemoAccount:
    """The demo account `make run` prints; its password is reset to the known one each run."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=DEMO_USERNAME)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return DemoAccount(user=user, password=DEMO_PASSWORD, created=created)
