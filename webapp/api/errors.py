"""The API's one error shape: {"error": "...", "details": [...]} for every 4xx."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.forms import Form
from django.http import JsonResponse

from tuning_core.errors import DataProblem


def error_response(status: int, error: str, details: Iterable[dict[str, Any]] = ()) -> JsonResponse:
    return JsonResponse({"error": error, "details": list(details)}, status=status)


def problem_details(problems: Iterable[DataProblem]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in problems]


def form_details(form: Form) -> list[dict[str, Any]]:
    """Form errors as details naming the field (`__all__` becomes null)."""
    return [{"field": None if field == "__all__" else field, "message": str(message)}
            for field, messages in form.errors.items() for message in messages]


def form_error(form: Form, error: str = "Some fields are invalid") -> JsonResponse:
    return error_response(400, error, form_details(form))
