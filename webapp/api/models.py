"""API tokens: many per user, named, sent as `Authorization: Token <key>`, valid until they
expire or are revoked. Only the key's SHA-256 is stored: the key is shown once, when it is made."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "sps_"
# Characters of the key kept in clear so a person can tell their tokens apart ("sps_1a2b3c4d").
DISPLAY_CHARS = len(KEY_PREFIX) + 8


def new_key() -> str:
    return KEY_PREFIX + secrets.token_hex(20)


def hash_key(key: str) -> str:
    # A plain SHA-256 is enough: the key has 160 random bits, nothing to brute-force
    # (a slow password hash would only slow down every API request).
    return hashlib.sha256(key.encode()).hexdigest()


def new_expiry() -> datetime | None:
    """API_TOKEN_DAYS from now; None (never) when it is 0."""
    days = int(settings.API_TOKEN_DAYS)
    return timezone.now() + timedelta(days=days) if days else None


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_user(self, user: Any) -> ApiTokenQuerySet:
        """The one ownership rule: a user's own tokens."""
        return self.filter(user=user)

    def with_key(self, key: str) -> ApiTokenQuerySet:
        return self.filter(key_hash=hash_key(key))


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex")
    prefix = models.CharField(max_length=16, help_text="The key's first characters, for display")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Null: never expires (API_TOKEN_DAYS=0 when it was made).
    expires_at = models.DateTimeField(null=True, blank=True, default=new_expiry)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def __str__(self) -> str:
        return f"API token {self.name!r} of {self.user} ({self.prefix}…)"
