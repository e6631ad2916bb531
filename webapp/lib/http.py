"""Request helpers shared by the views of every app."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse


class NotHere(Http404):
    """A 404 whose message is written for the person reading the page ("The prompt file is missing
    from storage"): the 404 page shows it. Other 404s' messages are Django's and stay in the logs."""


def is_fragment_request(request: HttpRequest) -> bool:
    """A live page asking for one partial (SPS.refreshFragment sends this header)."""
    return request.headers.get("HX-Request") == "true"


def refused_or_done(request: HttpRequest, action: Callable[[], object],
                    refused: type[Exception] | tuple[type[Exception], ...], *, back: HttpResponse,
                    then: HttpResponse, done: str, level: int = messages.SUCCESS) -> HttpResponse:
    """Run `action`, a service call that may refuse (a version still in use, an upload being
    checked): a refusal's own words are flashed and the user goes `back`; otherwise `done` is
    flashed and the user goes on to `then`."""
    try:
        action()
    except refused as exc:
        messages.error(request, str(exc))
        return back
    messages.add_message(request, level, done)
    return then
