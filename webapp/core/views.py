from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from webapp.core.health import check_all
from webapp.datasets.models import Dataset
from webapp.jobs.models import ACTIVE_STATUSES, TuningJob
from webapp.lib.http import NotHere
from webapp.prompts.models import PromptVersion

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    health = check_all()
    return JsonResponse(health.to_dict(), status=200 if health.ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    jobs = TuningJob.objects.for_user(request.user).select_related("prompt", "dataset")
    has_dataset = Dataset.objects.for_user(request.user).exists()
    has_version = PromptVersion.objects.for_user(request.user).exists()
    return render(request, "core/home.html", {
        "health": check_all(),
        "running": list(jobs.active()[:10]),
        "recent": list(jobs.exclude(status__in=ACTIVE_STATUSES)[:5]),
        # What a new user does next, in the order the product is used.
        "next_step": "upload" if not has_dataset else "launch" if not jobs.exists() else
                     "wait" if not has_version else "compare",
    })


def _error_page(request: HttpRequest, template: str, heading: str, status: int, reason: str = "") -> HttpResponse:
    """An error inside the site's layout, with a way back (the referring page, when it is ours)."""
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}) else ""
    return render(request, template, {"heading": heading, "request_path": request.path, "back": back,
                                      "reason": reason.rstrip(".")}, status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if isinstance(exception, NotHere) else ""
    return _error_page(request, "404.html", "Page not found", 404, reason)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "403.html", "Not allowed", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    # The layout reads the user, and the error may be the database: fall back to plain text.
    try:
        return _error_page(request, "500.html", "Server error", 500)
    except Exception:  # noqa: BLE001 - whatever broke the page may break its error page too
        logger.exception("the 500 page could not be rendered")
        return HttpResponseServerError("Server error: something went wrong on our side, and it was logged.",
                                       content_type="text/plain")
