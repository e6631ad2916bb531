"""Middleware at the edges: oversized request bodies, the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from webapp.api.errors import error_response
from webapp.lib.body_limit import SCOPE_FLAG, body_limit


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def body_refused(request: HttpRequest) -> bool:
    """Over the limit by its `Content-Length`, or flagged by the ASGI layer that counted it."""
    if getattr(request, "scope", {}).get(SCOPE_FLAG):
        return True
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > body_limit()
    except ValueError:
        return False


def refusal_message() -> str:
    from webapp.lib.files import human_size

    limit = human_size(int(settings.UPLOAD_MAX_BYTES))
    return (f"The upload is over the size limit of {limit} and was not read; nothing was stored. "
            f"Send at most {limit} (all files of one upload together).")


class RequestSizeMiddleware:
    """Answer a request whose body is over the limit before anything reads it.

    Placed after the session and message middleware (a browser gets its page again with
    the message) and before anything that reads the body (CSRF reads the form in
    process_view, which runs after every middleware's __call__).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not body_refused(request):
            return self.get_response(request)
        if is_api_request(request):
            return error_response(413, refusal_message())
        # Nothing of the body is read, so there is no form to re-render: the same page,
        # fetched again, shows the message above its form.
        messages.error(request, refusal_message())
        return redirect(request.get_full_path())


# Scripts and styles only from our own static files (no inline script, no style attribute,
# no eval); websockets and fetches to this origin; no framing, no plugins, forms post here.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy on every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
