"""Test users and clients logged in as them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser
    from django.test import Client

# Django-dependent imports live inside the functions: tests/conftest.py imports this module, and
# tuning_core's tests run without Django (`pytest tests/unit/tuning_core -p no:django`).

PASSWORD = "correct horse battery staple"


def make_user(username: str) -> AbstractUser:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password=PASSWORD)


def logged_in(user: Any) -> Client:
    """A Django test client with `user`'s session."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
