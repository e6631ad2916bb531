"""Evaluating one version from its page: the form there posts here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.services import JobLaunchError
from webapp.prompts.forms import EvaluateVersionForm
from webapp.prompts.views import version_page, versions_of


@login_required
@require_POST
def version_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(versions_of(request), pk=pk)
    form = EvaluateVersionForm(request.POST, user=request.user)
    if not form.is_valid():
        return version_page(request, version, evaluate_form=form, status=400)
    try:
        job = launch_evaluation(request.user, version, form.cleaned_data["dataset"], form.cleaned_data["split"])
    except JobLaunchError as exc:
        form.add_error("dataset", str(exc))
        return version_page(request, version, evaluate_form=form, status=400)
    messages.success(request, f"Evaluating {version} on {job.dataset.name} ({form.cleaned_data['split']})")
    return redirect("jobs:detail", pk=job.pk)
