"""Authenticating API requests: a token header, or the browser's session (with CSRF on writes).

Both are Ninja auth callables, tried in order (`API_AUTH`): a request that sends a token
header is decided by the token alone; without one, a logged-in session is accepted, and
unsafe methods must then carry the CSRF token (a browser sends cookies by itself, not a
token header). Anything else answers 401 in the one error shape.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, APIKeyHeader
from ninja.utils import check_csrf

from webapp.api.errors import ApiError
from webapp.api.models import ApiToken

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
TOKENS_HINT = "make one on the API tokens page (/accounts/tokens/) or with `manage.py api_token USERNAME`"


def token_user(key: str) -> Any:
    """The active user the key belongs to; ApiError(401) saying why when there is none.

    A revoked key is simply unknown: its row is gone."""
    token = ApiToken.objects.with_key(key).select_related("user").first()
    if token is None or not token.user.is_active:
        raise ApiError(401, f"Invalid token: send `Authorization: Token <key>` with a valid key; {TOKENS_HINT}")
    if token.expired:
        assert token.expires_at is not None
        raise ApiError(401, f"The token {token.name!r} expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: "
                            f"{TOKENS_HINT}")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


class TokenAuth(APIKeyHeader):
    """`Authorization: Token <key>`."""

    param_name = "Authorization"
    openapi_description = "`Token <key>`"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None  # no header: the session may answer
        scheme, _, value = key.partition(" ")
        if scheme.lower() != "token" or not value.strip():
            raise ApiError(401, f"Invalid token: send `Authorization: Token <key>`; {TOKENS_HINT}")
        user = token_user(value.strip())
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session; CSRF is checked on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method in UNSAFE and check_csrf(request) is not None:
            raise ApiError(403, "CSRF check failed: a session request needs the CSRF token "
                                "(X-CSRFToken header); scripts should use a token instead")
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)  # pragma: no cover - __call__ does the work


API_AUTH = [TokenAuth(), SessionAuth()]
