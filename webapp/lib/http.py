"""Request helpers shared by the views of every app."""

from __future__ import annotations

from django.http import HttpRequest


def is_fragment_request(request: HttpRequest) -> bool:
    """A live page asking for one partial (SPS.refreshFragment sends this header)."""
    return request.headers.get("HX-Request") == "true"
