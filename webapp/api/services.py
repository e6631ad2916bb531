"""Making and revoking API tokens. The key exists in clear only in what `create_token` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webapp.api.models import DISPLAY_CHARS, ApiToken, hash_key, new_expiry, new_key


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key: show the key to its owner now, it cannot be read back later."""

    token: ApiToken
    key: str


def create_token(user: Any, name: str) -> IssuedToken:
    """A new token for `user`, expiring after API_TOKEN_DAYS (never when 0)."""
    key = new_key()
    token = ApiToken.objects.create(user=user, name=name.strip(), key_hash=hash_key(key), prefix=key[:DISPLAY_CHARS],
                                    expires_at=new_expiry())
    return IssuedToken(token=token, key=key)


def revoke_token(token: ApiToken) -> None:
    """The key stops working at once (its row goes: nothing is kept of a revoked token)."""
    token.delete()
