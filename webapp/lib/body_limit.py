"""Refusing request bodies by size before they are buffered.

Three layers, each keeping memory independent of what a client sends:

- Daphne (Twisted) receives the whole body into a temporary file before it calls the
  application. Twisted then parses a POSTed form itself, reading the whole body into memory
  and through the email parser (about ten times its size; Daphne never uses the result),
  and Daphne pushes all of the body into the application's queue at once: a 200 MB upload
  cost the web process over 2 GB. `guard_daphne` turns Twisted's form parsing off, makes
  its request drop every byte past the
  limit as it arrives (by `Content-Length` up front, by counting for chunked bodies) and
  mark the request with the `BODY_REFUSED_HEADER` (a client's own copy of it is removed);
  and it hands an accepted body to the application a few chunks at a time, read from
  Twisted's temporary file as the application consumes them.
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

import asyncio
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


# A paced body goes to the application in chunks of this size, at most PACED_CHUNKS waiting.
PACED_CHUNK_BYTES = 256 * 1024
PACED_CHUNKS = 4


class PacedBody:
    """Stands in for the application queue Daphne makes for one HTTP request.

    Daphne reads the body from its temporary file and pushes every chunk at once. At the
    first chunk this moves the file to its end (so Daphne's loop stops there) and feeds
    the rest itself, keeping at most PACED_CHUNKS chunks in memory.
    """

    def __init__(self, queue: asyncio.Queue[dict[str, Any]], request: Any) -> None:
        self.queue, self.request, self.chunk_size = queue, request, PACED_CHUNK_BYTES
        self.started = False
        self.disconnected = False

    def put_nowait(self, message: dict[str, Any]) -> None:
        if message.get("type") != "http.request":
            self.disconnected = self.disconnected or message.get("type") == "http.disconnect"
            self.queue.put_nowait(message)
            return
        if self.started:
            return  # Daphne's loop reading the end of the file we moved it to
        self.started = True
        self.queue.put_nowait(message)
        if message.get("more_body"):
            content = self.request.content
            offset = content.tell()
            content.seek(0, 2)
            asyncio.ensure_future(self._feed(content, offset, content.tell()))

    async def _feed(self, content: Any, offset: int, end: int) -> None:
        while not self.disconnected:
            while self.queue.qsize() >= PACED_CHUNKS and not self.disconnected:
                await asyncio.sleep(0.002)
            try:
                content.seek(offset)
                chunk = content.read(min(self.chunk_size, end - offset)) if offset < end else b""
            except (OSError, ValueError):  # the request ended and Twisted closed its file
                return
            offset += len(chunk)
            last = offset >= end or not chunk
            # The last message says so even when it is empty (a body of exactly one first chunk).
            self.queue.put_nowait({"type": "http.request", "body": chunk, "more_body": not last})
            if last:
                return


def guard_daphne() -> None:
    """Make Daphne drop body bytes past the limit as they arrive and pace the rest (idempotent)."""
    try:
        from daphne.http_protocol import WebRequest
        from daphne.server import Server
    except ImportError:  # another ASGI server: BodyLimitMiddleware still applies
        return
    if getattr(WebRequest, "_sps_guarded", False):
        return
    original_got_length = WebRequest.gotLength
    original_chunk = WebRequest.handleContentChunk

    def gotLength(self: Any, length: int | None) -> None:  # noqa: N802 - Twisted's name
        # Only the server sets this header: a client's copy goes before the body is read.
        self.requestHeaders.removeHeader(BODY_REFUSED_HEADER)
        # Twisted's own parse of a POSTed form into request.args, which Daphne never reads.
        self._parsePOSTFormSubmission = False
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

    original_create = Server.create_application

    def create_application(self: Any, protocol: Any, scope: dict[str, Any]) -> Any:
        queue = original_create(self, protocol, scope)
        if queue is None or scope.get("type") != "http" or not hasattr(protocol, "content"):
            return queue
        return PacedBody(queue, protocol)

    Server.create_application = create_application
    WebRequest.gotLength = gotLength
    WebRequest.handleContentChunk = handleContentChunk
    WebRequest._sps_refuse = _sps_refuse
    WebRequest._sps_guarded = True
