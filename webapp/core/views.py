from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from webapp.core.health import check_all


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    health = check_all()
    return JsonResponse(health.to_dict(), status=200 if health.ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"health": check_all()})
