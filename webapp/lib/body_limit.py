"""Refusing request bodies by size before they are buffered.

Three layers, each keeping memory independent of what a client sends:

- Daphne (Twisted) receives the whole body before it calls the application, then queues
  all of it in memory at once. `guard_daphne` makes its request drop every byte past the
  limit as it arrives (by `Content-Length` up front, by counting for chunked bodies) and
  mark the request with the `BODY_REFUSED_HEADER` (a client's own copy of it is removed).
- `BodyLimitMiddleware` (ASGI) counts the body as the application reads it, drains what
  is past the limit without keeping it, and flags the scope: the same rule under any ASGI
  server, and Django gets an empty body instead of a spooled copy.
- `webapp.core.middleware.RequestSizeMiddleware` (Django) answers a flagged request, or
  one whose `Content-Length` is over the limit: 413 in the API's JSON shape, and for a
  browser the page again with a message saying what to do.

The limit is the largest upload (`UPLOAD_MAX_BYTES`) plus room for the form's other
fields and the multipart framing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# Form fields beside the files and the multipart headers fit in this.
FORM_OVERHEAD_BYTES = 1024 * 1024
BODY_REFUSED_HEADER = b"x-sps-body-refused"
SCOPE_FLAG = "sps.body_refused"


def body_limit() -> int:
    return int(settings.UPLOAD_MAX_BYTES) + FORM_OVERHEAD_BYTES


def declared_length(headers: Any) -> int | None:
    """The `Content-Length` from ASGI headers (a list of byte pairs), when it is a number."""
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """ASGI middleware: bodies over the limit reach the application empty, with the scope flagged."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit()
        headers = scope.get("headers", [])
        refused = any(name.lower() == BODY_REFUSED_HEADER for name, _ in headers)
        declared = declared_length(headers)
        scope = dict(scope)
        if refused or (declared is not None and declared > limit):
            scope[SCOPE_FLAG] = True
        received = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] != "http.request":
                return dict(message)
            if not scope.get(SCOPE_FLAG):
                received += len(message.get("body", b""))
                if received <= limit:
                    return dict(message)
                scope[SCOPE_FLAG] = True
            # Past the limit: read the rest and drop it, so the client is answered rather than reset.
            while message.get("more_body", False):
                message = await receive()
                if message["type"] != "http.request":
                    return dict(message)
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.app(scope, limited_receive, send)


def guard_daphne() -> None:
    """Make Daphne's request drop body bytes past the limit as they arrive (idempotent)."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # another ASGI server: BodyLimitMiddleware still applies
        return
    if getattr(WebRequest, "_sps_guarded", False):
        return
    original_got_length = WebRequest.gotLength
    original_chunk = WebRequest.handleContentChunk

    def gotLength(self: Any, length: int | None) -> None:  # noqa: N802 - Twisted's name
        # Only the server sets this header: a client's copy goes before the body is read.
        self.requestHeaders.removeHeader(BODY_REFUSED_HEADER)
        self._sps_received = 0
        self._sps_refused = False
        original_got_length(self, length)
        if length is not None and length > body_limit():
            self._sps_refuse()

    def handleContentChunk(self: Any, data: bytes) -> None:  # noqa: N802 - Twisted's name
        if getattr(self, "_sps_refused", False):
            return
        self._sps_received = getattr(self, "_sps_received", 0) + len(data)
        if self._sps_received > body_limit():
            self._sps_refuse()
            return
        original_chunk(self, data)

    def _sps_refuse(self: Any) -> None:
        self._sps_refused = True
        self.requestHeaders.setRawHeaders(BODY_REFUSED_HEADER, [b"1"])
        # What was kept so far goes too: the application gets an empty body.
        self.content.seek(0)
        self.content.truncate()

    WebRequest.gotLength = gotLength
    WebRequest.handleContentChunk = handleContentChunk
    WebRequest._sps_refuse = _sps_refuse
    WebRequest._sps_guarded = True
