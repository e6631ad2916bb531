from __future__ import annotations

from typing import Any

from webapp.api.models import ApiToken


def ensure_token(user: Any) -> ApiToken:
    """The user's API token, created on first use."""
    token, _ = ApiToken.objects.get_or_create(user=user)
    return token
