"""Request helpers shared by the views of every app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


class NotHere(Http404):
    """A 404 whose message is written for the person reading the page ("The prompt file is missing
    from storage"): the 404 page shows it. Other 404s' messages are Django's and stay in the logs."""


def is_fragment_request(request: HttpRequest) -> bool:
    """A live page asking for one partial (SPS.refreshFragment sends this header)."""
    return request.headers.get("HX-Request") == "true"


def render_live(request: HttpRequest, template: str, fragment: str, context: dict[str, Any], *,
                status: int = 200) -> HttpResponse:
    """The page, or only its partial `fragment` when the live page asks for it: one template serves
    both, so the first render and each live update cannot differ."""
    if is_fragment_request(request):
        return render(request, f"{template}#{fragment}", context)
    return render(request, template, context, status=status)


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
