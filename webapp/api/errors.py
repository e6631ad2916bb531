"""The API's one error shape: {"error": "...", "details": [...]} for every 4xx and 5xx.

An endpoint raises `ApiError(status, "a sentence", details)`; the handlers in `webapp.api.main`
turn it, Ninja's own errors (validation, authentication) and Django's (404) into this shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.forms import Form
from django.http import JsonResponse

from tuning_core.errors import DataProblem


class ApiError(Exception):
    """An answer in the one error shape, raised from anywhere inside an endpoint."""

    def __init__(self, status: int, error: str, details: Iterable[dict[str, Any]] = (),
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.details, self.headers = status, error, list(details), headers or {}

    @classmethod
    def from_form(cls, form: Form, error: str = "Some fields are invalid") -> ApiError:
        return cls(400, error, form_details(form))

    def response(self) -> JsonResponse:
        response = error_response(self.status, self.error, self.details)
        for name, value in self.headers.items():
            response[name] = value
        return response


def error_response(status: int, error: str, details: Iterable[dict[str, Any]] = ()) -> JsonResponse:
    response = JsonResponse({"error": error, "details": list(details)}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Token"  # RFC 9110: a 401 names the scheme to use
    return response


def problem_details(problems: Iterable[DataProblem]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in problems]


def form_details(form: Form) -> list[dict[str, Any]]:
    """Form errors as details naming the field (`__all__` becomes null)."""
    return [{"field": None if field == "__all__" else field, "message": str(message)}
            for field, messages in form.errors.items() for message in messages]


def validation_details(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors as details naming the field: loc ("body", "payload", "batch_size") -> batch_size."""
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # loc[0] is the source (body, form, query, path, file); for a body, loc[1] the parameter.
        names = loc[2:] if loc[:1] == ["body"] else loc[1:]
        details.append({"field": ".".join(names) or (loc[1] if len(loc) > 1 else None),
                        "message": str(error.get("msg", "Invalid value"))})
    return details
