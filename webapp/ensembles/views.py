from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from webapp.basemodels.services import RANDOM_WEIGHTS_NOTICE
from webapp.datasets.models import Dataset
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.forms import EnsembleForm, EvaluateEnsembleForm, PlaygroundForm, TaskForm
from webapp.ensembles.models import MAX_MEMBERS, Ensemble, PlaygroundRun
from webapp.ensembles.playground import PlaygroundError, clean_inputs, run_playground
from webapp.ensembles.queries import (
    agreement_matrix,
    candidates,
    current_runs,
    earlier_runs,
    histogram,
    playground_rows,
    table3,
)
from webapp.ensembles.services import (
    EnsembleError,
    EnsembleInUse,
    delete_ensemble,
    evaluation_jobs,
    get_ensemble_for_user,
    save_ensemble,
)
from webapp.jobs.services import JobLaunchError
from webapp.lib.http import refused_or_done, render_live
from webapp.prompts.models import PromptVersion
from webapp.prompts.queries import confusion_table


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rows = []
    for ensemble in Ensemble.objects.for_user(request.user).select_related("base_model") \
            .prefetch_related("memberships"):
        rows.append((ensemble, len(ensemble.memberships.all()), table3(ensemble, current_runs(ensemble)).cells))
    return render(request, "ensembles/index.html", {"rows": rows})


def _task(request: HttpRequest) -> tuple[Any, Dataset | None, list[int]]:
    """Base model, task dataset and preselected version ids from the builder's query string; arriving
    with only versions (from a prompt page), the first one's base model and training dataset."""
    form = TaskForm(request.GET, user=request.user)
    if not form.is_valid():
        return None, None, []
    base_model, dataset = form.cleaned_data["base_model"], form.cleaned_data["dataset"]
    chosen = list(form.cleaned_data["v"])
    order = [int(pk) for pk in request.GET.getlist("v") if pk.isdigit()]
    chosen.sort(key=lambda v: order.index(v.pk) if v.pk in order else len(order))
    if chosen and base_model is None and dataset is None:
        first = chosen[0]
        base_model = first.base_model
        dataset = first.job.dataset if first.job else None
    return base_model, dataset, [v.pk for v in chosen]


def _builder(request: HttpRequest, form: EnsembleForm, *, ensemble: Ensemble | None, status: int = 200,
             selected: list[int] | None = None) -> HttpResponse:
    base_model, dataset, preselected = _task(request)
    if ensemble is not None and not request.GET:
        base_model, dataset = ensemble.base_model, None
    if form.is_bound:
        selected = [int(pk) for pk in request.POST.getlist("versions") if pk.isdigit()]
    chosen = selected if selected is not None else preselected
    offered = candidates(request.user, base_model=base_model, dataset=dataset)
    offered_ids = {c.version.pk for c in offered}
    # A chosen version outside the filter stays visible (and ticked): the membership rule says why
    # it cannot join rather than the page silently dropping it.
    extra = [c for c in candidates(request.user) if c.version.pk in set(chosen) - offered_ids]
    return render(request, "ensembles/builder.html", {
        "form": form, "ensemble": ensemble, "task_form": TaskForm(
            initial={"base_model": base_model, "dataset": dataset}, user=request.user),
        "candidates": offered + extra, "chosen": set(chosen), "max_members": MAX_MEMBERS,
        "query": request.GET.urlencode(),
    }, status=status)


def _splits_of(dataset: Dataset | None) -> list[str]:
    if dataset is None:
        return ["validation", "test"]
    return [s for s in ("validation", "test") if dataset.has_split(s)] or ["validation"]


def _save(request: HttpRequest, form: EnsembleForm, ensemble: Ensemble | None) -> Ensemble | None:
    """Create or update, and start the evaluation when the member set is new; None with the form's
    errors set when refused. Nothing is kept when the evaluation cannot start."""
    data = form.cleaned_data
    try:
        saved, changed = save_ensemble(request.user, ensemble, name=data["name"], description=data["description"],
                                       versions=form.ordered_versions(), voting=data["voting"],
                                       dataset=data["dataset"], splits=data["splits"])
    except EnsembleError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None
    except JobLaunchError as exc:
        form.add_error("dataset", str(exc))
        return None
    if changed:
        messages.success(request, f"Saved {saved.name} (revision {saved.revision}); its evaluation is queued")
    else:
        messages.success(request, f"Saved {saved.name}; members and voting unchanged, so its results stand")
    return saved


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EnsembleForm(request.POST, user=request.user)
        if form.is_valid():
            saved = _save(request, form, None)
            if saved is not None:
                return redirect("ensembles:detail", pk=saved.pk)
        return _builder(request, form, ensemble=None, status=400)
    _, dataset, chosen = _task(request)
    name = ""
    if chosen:
        version = PromptVersion.objects.for_user(request.user).select_related("prompt").filter(pk=chosen[0]).first()
        name = f"{version.prompt.name} ensemble" if version else ""
    form = EnsembleForm(user=request.user, initial={
        "name": name, "dataset": dataset, "splits": _splits_of(dataset), "voting": "majority"})
    return _builder(request, form, ensemble=None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    ensemble = get_ensemble_for_user(request.user, pk)
    if request.method == "POST":
        form = EnsembleForm(request.POST, user=request.user)
        if form.is_valid():
            saved = _save(request, form, ensemble)
            if saved is not None:
                return redirect("ensembles:detail", pk=saved.pk)
        return _builder(request, form, ensemble=ensemble, status=400)
    members = ensemble.member_versions()
    dataset = members[0].job.dataset if members and members[0].job else None
    form = EnsembleForm(user=request.user, initial={
        "name": ensemble.name, "description": ensemble.description, "voting": ensemble.voting,
        "dataset": dataset, "splits": _splits_of(dataset)})
    return _builder(request, form, ensemble=ensemble, selected=[m.pk for m in members])


def _detail_context(request: HttpRequest, ensemble: Ensemble, evaluate_form: EvaluateEnsembleForm | None = None,
                    ) -> dict[str, Any]:
    members = ensemble.member_versions()
    runs = current_runs(ensemble)
    chosen = next((r for r in runs if str(r.pk) == request.GET.get("run")), runs[0] if runs else None)
    summary = chosen.metrics.get("ensemble", {}) if chosen else {}
    metrics = chosen.metrics if chosen else {}
    per_class = metrics.get("per_class") if isinstance(metrics.get("per_class"), dict) else None
    jobs = list(evaluation_jobs(ensemble)[:10])
    return {
        "ensemble": ensemble, "members": members, "table": table3(ensemble, runs), "chosen": chosen,
        "summary": summary, "agreement": agreement_matrix(summary, members) if summary else [],
        "histogram": histogram(summary) if summary else [],
        "per_class": list(per_class.items()) if per_class else [], "confusion": confusion_table(metrics),
        "earlier": earlier_runs(ensemble), "jobs": jobs,
        "active_job": next((j for j in jobs if j.is_active), None),
        "evaluate_form": evaluate_form or EvaluateEnsembleForm(user=request.user, initial={
            "dataset": members[0].job.dataset_id if members and members[0].job else None}),
        "random_weights_notice": RANDOM_WEIGHTS_NOTICE,
        "predictions_url": f"/prompts/evaluations/{chosen.pk}/" if chosen else "",
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    ensemble = get_ensemble_for_user(request.user, pk)
    context = _detail_context(request, ensemble)
    return render_live(request, "ensembles/detail.html", "ensemble-live", context)


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    ensemble = get_ensemble_for_user(request.user, pk)
    form = EvaluateEnsembleForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            launch_ensemble_evaluation(request.user, ensemble, form.cleaned_data["dataset"],
                                       [form.cleaned_data["split"]])
        except JobLaunchError as exc:
            form.add_error("dataset", str(exc))
    if form.errors:
        return render(request, "ensembles/detail.html", _detail_context(request, ensemble, form), status=400)
    messages.success(request, f"Evaluating {ensemble.name} on {form.cleaned_data['dataset'].name} "
                              f"({form.cleaned_data['split']})")
    return redirect("ensembles:detail", pk=ensemble.pk)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    ensemble = get_ensemble_for_user(request.user, pk)
    return refused_or_done(request, lambda: delete_ensemble(ensemble), EnsembleInUse,
                           back=redirect("ensembles:detail", pk=ensemble.pk), then=redirect("ensembles:index"),
                           done=f"Deleted the ensemble {ensemble.name}")


@login_required
def playground(request: HttpRequest) -> HttpResponse:
    """Type inputs, pick versions and ensembles, see their label scores and votes side by side."""
    run = None
    if request.GET.get("run", "").isdigit():
        run = PlaygroundRun.objects.for_user(request.user).filter(pk=int(request.GET["run"])).first()
    # The form comes back filled in as the shown run was asked, to change a line and score again.
    initial = {"inputs": "\n".join(run.inputs), "versions": run.targets.get("versions", []),
               "ensembles": [e["id"] for e in run.targets.get("ensembles", [])]} if run else {
        "versions": request.GET.getlist("v"), "ensembles": request.GET.getlist("e")}
    form = PlaygroundForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = run_playground(request.user, inputs=clean_inputs(form.cleaned_data["inputs"]),
                                       versions=list(form.cleaned_data["versions"]),
                                       ensembles=list(form.cleaned_data["ensembles"]))
            except PlaygroundError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                return redirect(f"{reverse('playground:index')}?run={run.pk}")
        status = 400
    context = {"form": form, "run": run, "rows": playground_rows(run) if run else []}
    return render_live(request, "ensembles/playground.html", "playground-results", context, status=status)
