from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tuning_core.sweep import PRESETS, Panel
from webapp.jobs.forms import initial_from_job
from webapp.jobs.models import JobStatus
from webapp.jobs.services import get_job_for_user
from webapp.lib.charts import METRIC_BOUNDS, ChartSpec, chart_spec
from webapp.lib.http import render_live
from webapp.sweeps.forms import RECIPE_ON_FORM, BestKForm, SweepForm
from webapp.sweeps.models import Sweep
from webapp.sweeps.parallel import parallel_view
from webapp.sweeps.services import (
    SweepError,
    best_per_cell,
    best_rows,
    cancel_sweep,
    ensemble_best,
    get_sweep_for_user,
    launch_sweep,
    rerun_failed,
    run_rows,
    sweep_panels,
    sweep_status,
    training_rates,
)


def _starting_point(request: HttpRequest) -> dict[str, object]:
    """Initial values: a job's settings, or the launch form's fields sent along; bad values are
    left to the form, which checks them when the sweep is launched."""
    if request.GET.get("from", "").isdigit():
        launched = initial_from_job(get_job_for_user(request.user, int(request.GET["from"])))
    else:
        launched = {name: request.GET[name] for name in request.GET if request.GET[name]}
    names = {"dataset", "base_model", *RECIPE_ON_FORM}
    return {name: value for name, value in launched.items() if name in names}


def panel_chart(panel: Panel) -> ChartSpec:
    """A Figure-3 panel as a chart: one line per value of the line axis, the mean at each x."""
    return chart_spec(panel.x_axis.replace("_", " "), "best validation metric", [
        {"label": label, "points": [[p.x, p.mean] for p in points]} for label, points in panel.lines.items()
    ], log_x=panel.log_x, y_bounds=METRIC_BOUNDS)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    sweeps = [(sweep, sweep_status(run_rows(sweep))) for sweep in Sweep.objects.for_user(request.user)[:100]]
    return render(request, "sweeps/index.html", {"sweeps": sweeps})


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """The sweep form; on GET it starts from a job's settings (?from=<job>) or from the launch
    form's fields ("Sweep these settings" submits them here)."""
    if request.method == "POST":
        form = SweepForm(request.POST, user=request.user)
    else:
        form = SweepForm(user=request.user, initial=_starting_point(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sweep = launch_sweep(request.user, name=data["name"], dataset=data["dataset"],
                                 base_model=data["base_model"], recipe=data["recipe"], axes=data["axes"],
                                 skip_impossible=data["skip_impossible"])
        except SweepError as exc:
            form.add_error("name" if exc.field == "name" else None, str(exc))
        else:
            left_out = f"; {len(sweep.skipped)} left out (they cannot train)" if sweep.skipped else ""
            messages.success(request, f"Sweep {sweep.name} queued: {sweep.runs.count()} runs{left_out}")
            return redirect("sweeps:detail", pk=sweep.pk)
    # The page counts the grid's runs and estimates their time as the axes change (js/sweep-form.js).
    estimates = {"presets": {key: preset["axes"] for key, preset in PRESETS.items()},
                 "rates": training_rates(request.user), "max_runs": settings.SWEEP_MAX_RUNS}
    return render(request, "sweeps/new.html", {"form": form, "estimates": estimates})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = get_sweep_for_user(request.user, pk)
    rows = run_rows(sweep)
    status, counts = sweep_status(rows)
    best = best_rows(rows, 8)
    panels = sweep_panels(sweep, rows)
    context = {"sweep": sweep, "rows": rows, "status": status, "counts": counts, "axes": sweep.axis_names(),
               "statuses": [s.value for s in JobStatus], "parallel": parallel_view(sweep.axes, rows),
               "cells": best_per_cell(rows) if "seed" in sweep.axis_names() else [],
               "panels": [(panel, f"sweep-panel-{i}", panel_chart(panel)) for i, panel in enumerate(panels)],
               "best": best[:1], "kept": len(best),
               "compare_query": "&".join(f"v={row.version_id}" for row in best[:3]),
               "job_ids": ",".join(str(row.job_id) for row in rows)}
    return render_live(request, "sweeps/detail.html", "sweep-live", context)


@login_required
@require_POST
def ensemble(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = get_sweep_for_user(request.user, pk)
    form = BestKForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("k", ["Choose how many runs to ensemble"])))
        return redirect("sweeps:detail", pk=sweep.pk)
    try:
        made = ensemble_best(sweep, form.cleaned_data["k"])
    except SweepError as exc:
        messages.error(request, str(exc))
        return redirect("sweeps:detail", pk=sweep.pk)
    messages.success(request, f"{made.name}: its evaluation is queued")
    return redirect("ensembles:detail", pk=made.pk)


@login_required
@require_POST
def rerun(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = get_sweep_for_user(request.user, pk)
    try:
        launched = rerun_failed(sweep)
    except SweepError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, f"Launched {launched} failed run{'' if launched == 1 else 's'} again" if launched
                      else "No run has failed")
    return redirect("sweeps:detail", pk=sweep.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = get_sweep_for_user(request.user, pk)
    cancelled = cancel_sweep(sweep)
    messages.info(request, f"Cancelling {cancelled} run{'' if cancelled == 1 else 's'}" if cancelled
                  else "Every run had already ended")
    return redirect("sweeps:detail", pk=sweep.pk)
