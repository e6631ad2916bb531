from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from webapp.core.health import check_all
from webapp.datasets.models import Dataset
from webapp.jobs.models import ACTIVE_STATUSES, TuningJob
from webapp.prompts.models import PromptVersion


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
