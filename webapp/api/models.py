"""API tokens: one per user, sent as `Authorization: Token <key>`, valid until they expire."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_key() -> str:
    return secrets.token_hex(20)


def new_expiry() -> datetime | None:
    """API_TOKEN_DAYS from now; None (never) when it is 0."""
    days = int(settings.API_TOKEN_DAYS)
    return timezone.now() + timedelta(days=days) if days else None


class ApiToken(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    # Kept in clear: `manage.py api_token USERNAME` must be able to print the existing token.
    key = models.CharField(max_length=64, unique=True, default=new_key)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Null: never expires (API_TOKEN_DAYS=0 when it was made).
    expires_at = models.DateTimeField(null=True, blank=True, default=new_expiry)

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def __str__(self) -> str:
        return f"API token of {self.user}"
