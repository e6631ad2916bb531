"""The compare page (`/prompts/compare/?v=1&v=5`) and its one action, running the missing
evaluations. The page only reads (webapp.evaluations.compare); launching goes through
webapp.jobs.evaluations.launch_evaluation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from webapp.datasets.models import Dataset
from webapp.evaluations.compare import (
    MAX_VERSIONS,
    CannotCompare,
    SplitChoice,
    config_table,
    confusions,
    disagreements,
    metric_rows,
    neighbours,
    prompt_geometry,
    runs_on,
    training_curves,
    version_label,
    versions_to_compare,
)
from webapp.evaluations.compare_request import UnreadableVersions, read_compare_request
from webapp.evaluations.forms import CompareEvaluateForm, CompareVersionsForm
from webapp.jobs.evaluations import launch_evaluations
from webapp.prompts.models import PromptVersion
from webapp.prompts.services import request_nearest_tokens


def _cannot_compare(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "evaluations/compare_error.html", {"message": message, "max_versions": MAX_VERSIONS},
                  status=400)


def _posted_versions(request: HttpRequest, form: CompareVersionsForm) -> list[PromptVersion]:
    """The versions an action on the page names; CannotCompare says what is wrong with them."""
    if not form.is_valid():
        raise CannotCompare(" ".join(str(error) for errors in form.errors.values() for error in errors))
    return versions_to_compare(request.user, form.cleaned_data["v"])


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    try:
        asked = read_compare_request(request.user, request.GET)
    except (UnreadableVersions, CannotCompare) as exc:
        return _cannot_compare(request, str(exc))
    versions, choice, reference, runs = asked.versions, asked.choice, asked.reference, asked.runs
    # The bootstrap intervals not yet cached come in a second request (compare.js asks with
    # intervals=1; so does the link in their cells without JavaScript): the page itself renders
    # at once, the costly statistics follow.
    metric_names, metrics = metric_rows(versions, runs, reference, intervals=request.GET.get("intervals") == "1")
    page = disagreements(versions, runs, gold=asked.gold, page=asked.page)
    geometry = prompt_geometry(versions)
    found_neighbours = neighbours(versions)
    return render(request, "evaluations/compare.html", {
        "versions": versions, "version_ids": [v.pk for v in versions],
        "config": config_table(versions),
        "choices": asked.choices, "choice": choice, "reference": reference, "options": asked.options,
        "runs": [runs[v.pk] for v in versions],
        "missing": [v for v in versions if runs[v.pk] is None],
        "metric_names": metric_names, "metrics": metrics,
        "intervals_pending": any(row.interval_pending for row in metrics), "empty_span": 2 * len(metric_names) + 4,
        "curves": training_curves(versions),
        "confusions": confusions(versions, runs),
        "disagreements": page, "gold": asked.gold,
        "geometry": geometry, "geometry_rows": list(zip(versions, geometry.norms, geometry.cosine)),
        "base_model": versions[0].base_model,
        "neighbours": found_neighbours,
        "all_neighbours_done": all(n.status == "done" for n in found_neighbours),
    })


@login_required
@require_POST
def compare_evaluate(request: HttpRequest) -> HttpResponse:
    """Queue an evaluation on the chosen dataset split for each compared version that has none."""
    form = CompareEvaluateForm(request.POST)
    try:
        versions = _posted_versions(request, form)
    except CannotCompare as exc:
        return _cannot_compare(request, str(exc))
    dataset_id, split = form.cleaned_data["on"].split(":")
    dataset = Dataset.objects.for_user(request.user).filter(pk=int(dataset_id)).first()
    back = reverse("evaluations:compare") + "?" + urlencode(
        [("v", v.pk) for v in versions] + [("on", form.cleaned_data["on"])]
        + ([("ref", form.cleaned_data["ref"])] if form.cleaned_data.get("ref") else []))
    if dataset is None:
        messages.error(request, "That dataset is not one of yours any more: pick another split.")
        return redirect(back)
    runs = runs_on(versions, SplitChoice(dataset.pk, dataset.name, split, 0))
    launched, refused = launch_evaluations(
        request.user, [(version, dataset) for version in versions if runs[version.pk] is None], split)
    queued = [version_label(job.parent_version, versions) for job in launched if job.parent_version]
    if queued:
        messages.success(request, f"Evaluating {', '.join(queued)} on {dataset.name} ({split}): "
                                  "reload this page when they finish (their progress is on the Jobs page).")
    for problem in refused:
        messages.error(request, problem)
    if not queued and not refused:
        messages.info(request, f"Every version already has an evaluation on {dataset.name} ({split}).")
    return redirect(back)


@login_required
@require_POST
def compare_neighbours(request: HttpRequest) -> HttpResponse:
    """Queue the nearest-token computation of every compared version that lacks it; the page
    shows them pending and fills in as the worker stores each."""
    try:
        versions = _posted_versions(request, CompareVersionsForm(request.POST))
    except CannotCompare as exc:
        return _cannot_compare(request, str(exc))
    queued = [v for v in versions if request_nearest_tokens(v)]
    if queued:
        messages.success(request, f"Computing the nearest tokens of {len(queued)} version(s).")
    back = reverse("evaluations:compare") + "?" + urlencode([("v", v.pk) for v in versions])
    return redirect(back + "#compare-neighbours")
