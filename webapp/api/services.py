from __future__ import annotations

from typing import Any

from django.utils import timezone

from webapp.api.models import ApiToken, new_expiry, new_key


def ensure_token(user: Any, *, renew: bool = False) -> ApiToken:
    """The user's API token, created on first use; an expired one (or any, with `renew`) is
    replaced by a new key with a new expiry, so an old key never works again."""
    token, created = ApiToken.objects.get_or_create(user=user)
    if not created and (renew or token.expired):
        token.key, token.expires_at, token.created_at, token.last_used_at = new_key(), new_expiry(), timezone.now(), None
        token.save(update_fields=["key", "expires_at", "created_at", "last_used_at"])
    return token
