from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from webapp.lib.http import is_fragment_request
from webapp.sweeps.forms import BestKForm, SweepForm
from webapp.sweeps.models import Sweep
from webapp.sweeps.services import (
    SweepError,
    best_rows,
    cancel_sweep,
    ensemble_best,
    get_sweep_for_user,
    launch_sweep,
    run_rows,
    sweep_panels,
    sweep_status,
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    sweeps = [(sweep, sweep_status(run_rows(sweep))) for sweep in Sweep.objects.for_user(request.user)[:100]]
    return render(request, "sweeps/index.html", {"sweeps": sweeps})


@login_required
def new(request: HttpRequest) -> HttpResponse:
    form = SweepForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sweep = launch_sweep(request.user, name=data["name"], dataset=data["dataset"],
                                 base_model=data["base_model"], recipe=data["recipe"], axes=data["axes"])
        except SweepError as exc:
            form.add_error("name" if exc.field == "name" else None, str(exc))
        else:
            messages.success(request, f"Sweep {sweep.name} queued: {sweep.runs.count()} runs")
            return redirect("sweeps:detail", pk=sweep.pk)
    return render(request, "sweeps/new.html", {"form": form})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = get_sweep_for_user(request.user, pk)
    rows = run_rows(sweep)
    status, counts = sweep_status(rows)
    best = best_rows(rows, 8)
    context = {"sweep": sweep, "rows": rows, "status": status, "counts": counts, "axes": sweep.axis_names(),
               "panels": sweep_panels(sweep, rows), "best": best[:1], "kept": len(best),
               "compare_query": "&".join(f"v={row.version_id}" for row in best[:3]),
               "job_ids": ",".join(str(row.job_id) for row in rows)}
    if is_fragment_request(request):
        return render(request, "sweeps/detail.html#sweep-live", context)
    return render(request, "sweeps/detail.html", context)


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
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = get_sweep_for_user(request.user, pk)
    cancelled = cancel_sweep(sweep)
    messages.info(request, f"Cancelling {cancelled} run{'' if cancelled == 1 else 's'}" if cancelled
                  else "Every run had already ended")
    return redirect("sweeps:detail", pk=sweep.pk)
