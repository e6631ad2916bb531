from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from webapp.api.schema import build_schema


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"name": "Soft Prompt Studio API", "version": 1, "schema": request.build_absolute_uri("schema/")})


@require_GET
def schema(request: HttpRequest) -> JsonResponse:
    """Public, like any API description: it holds no data."""
    return JsonResponse(build_schema())
