"""Every API error in the one JSON shape, outages included.

Endpoints answer their own 4xx by raising `ApiError` (webapp.api.main turns Ninja's errors
into the shape too). What escapes them is caught here, for paths under /api/ only:

- the database is down (OperationalError, InterfaceError): 503 with Retry-After, so a
  client backs off instead of reading an HTML 500;
- a form field over DATA_UPLOAD_MAX_MEMORY_SIZE or too many fields: 413 / 400;
- anything else: 500, logged with its traceback.

An exception raised in another middleware (a session saved while the database is down)
becomes Django's HTML 500 before it reaches us: `got_request_exception` remembers it on
the request, so that answer is mapped the same way. An error page Django itself made (a
404 for an unknown URL, a CSRF 403) or Ninja's plain 405 is turned into the shape too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from webapp.api.errors import error_response

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def database_unavailable() -> HttpResponse:
    response = error_response(503, "The database is unavailable; nothing was changed. Try again in a few seconds.")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _remember_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None:
        request._api_exception = sys.exc_info()[1]  # type: ignore[attr-defined]


got_request_exception.connect(_remember_exception, dispatch_uid="webapp.api.middleware")


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        exception = getattr(request, "_api_exception", None)
        if isinstance(exception, Exception):
            # Django has logged it already.
            return _answer(request, exception, log=False)
        status = response.status_code
        if status == 405 and response.has_header("Allow"):
            return _method_not_allowed(request, response["Allow"])
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return error_response(status, "Not found" if status == 404 else reason)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        return _answer(request, exception, log=True)


METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _method_not_allowed(request: HttpRequest, allow: str) -> HttpResponse:
    # Ninja answers 405 with the methods of the path in no fixed order: name them in a stable one.
    allowed = sorted({m.strip() for m in allow.split(",") if m.strip()},
                     key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER), m))
    response = error_response(405, f"Method {request.method} not allowed; use {', '.join(allowed)}")
    response["Allow"] = ", ".join(allowed)
    return response


def _answer(request: HttpRequest, exception: Exception, *, log: bool) -> HttpResponse:
    if isinstance(exception, (OperationalError, InterfaceError)):
        logger.warning("API request %s %s: the database is unavailable (%s)", request.method, request.path, exception)
        return database_unavailable()
    if isinstance(exception, RequestDataTooBig):
        return error_response(413, "A form field or a non-file body is over the size limit; send data as files")
    if isinstance(exception, TooManyFieldsSent):
        return error_response(400, "Too many form fields")
    if log:
        logger.error("API request %s %s failed", request.method, request.path, exc_info=exception)
    return error_response(500, "Internal error; it was logged. Try again, and report it if it persists.")
