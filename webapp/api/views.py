from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"name": "Soft Prompt Studio API", "version": 1})
