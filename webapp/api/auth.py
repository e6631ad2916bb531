"""Authenticating API requests: a token header, or the browser's session."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from webapp.api.errors import error_response
from webapp.api.models import ApiToken

View = Callable[..., HttpResponse]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def token_user(request: HttpRequest) -> tuple[Any, bool, ApiToken | None]:
    """(user or None, whether a token header was sent, the expired token that was sent)."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None, False, None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "token" or not key.strip():
        return None, True, None
    token = ApiToken.objects.select_related("user").filter(key=key.strip()).first()
    if token is None or not token.user.is_active:
        return None, True, None
    if token.expired:
        return None, True, token
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user, True, None


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    # Only for session requests: a token is not sent automatically by browsers, a cookie is.
    def get_response(_: HttpRequest) -> HttpResponse:
        return HttpResponse()

    return CsrfViewMiddleware(get_response).process_view(request, None, (), {})


def api_view(methods: Sequence[str], *, before_body: Callable[[HttpRequest], None] | None = None) -> Callable[[View], View]:
    """Guard an API view: allowed methods, authentication, CSRF for sessions, JSON 404.

    before_body: called before anything reads the request body (install upload handlers there).
    """
    allowed = [m.upper() for m in methods]

    def decorator(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if before_body is not None:
                before_body(request)
            user, sent_token, expired = token_user(request)
            if expired is not None:
                assert expired.expires_at is not None
                return error_response(401, f"The token expired on {expired.expires_at:%Y-%m-%d %H:%M} UTC: "
                                           "`manage.py api_token USERNAME` prints a new one")
            if sent_token and user is None:
                return error_response(401, "Invalid token: send `Authorization: Token <key>` with the key "
                                           "`manage.py api_token USERNAME` prints")
            if user is None:
                if not request.user.is_authenticated:
                    response = error_response(401, "Authentication required: send `Authorization: Token <key>`")
                    response["WWW-Authenticate"] = "Token"
                    return response
                if request.method in UNSAFE and _csrf_failure(request) is not None:
                    return error_response(403, "CSRF check failed: a session request needs the CSRF token; "
                                               "scripts should use a token instead")
            else:
                request.user = user
            if request.method not in allowed:
                response = error_response(405, f"Method {request.method} not allowed; use {', '.join(allowed)}")
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return error_response(404, "Not found")

        return wrapper

    return decorator
