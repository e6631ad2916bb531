"""Sweeps in the JSON API: launch a grid of runs, list and read sweeps (runs, coordinates, metrics
and the Figure-3 panels as data), cancel one. The same services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from webapp.api.errors import ApiError
from webapp.api.schemas import errors
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
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

router = Router(tags=["sweeps"])


class SweepLaunch(Schema):
    model_config = ConfigDict(json_schema_extra={"example": {
        "name": "figure 3", "dataset": 1, "base_model": 1,
        "recipe": {"learning_rate": 0.3, "batch_size": 32, "max_steps": 2000, "eval_every": 100,
                   "max_input_length": 256},
        "axes": {"prompt_length": [1, 5, 20, 100, 150], "init": ["random", "vocab", "class_labels"],
                 "seed": [0, 1, 2]}}})

    name: str
    dataset: int = Field(description="one of your datasets")
    base_model: int
    recipe: dict[str, Any] = Field(default_factory=dict, description="the launch form's fields every run shares; "
                                   "those left out take the form's defaults")
    axes: dict[str, list[Any]] = Field(description="swept fields and their values: any of prompt_length, init, "
                                       "learning_rate, batch_size, seed, max_steps, precision")
    skip_impossible: bool = Field(False, description="leave out runs that cannot train (listed in `skipped`) "
                                  "instead of refusing the sweep")


class RunOut(Schema):
    position: int
    coordinates: dict[str, Any]
    job: int
    status: str
    step: int
    total_steps: int
    metric: float | None = Field(description="the best validation metric during training")
    metric_name: str
    version: int | None


class SweepSummary(Schema):
    id: int
    name: str
    dataset: int
    base_model: int
    status: str = Field(description="queued | running | succeeded | failed (some runs) | cancelled")
    runs: int
    created_at: datetime


class SweepOut(SweepSummary):
    recipe: dict[str, Any]
    axes: dict[str, list[Any]]
    counts: dict[str, int] = Field(description="runs per job status")
    results: list[RunOut]
    best: RunOut | None = Field(description="the run with the best validation metric that kept a version")
    skipped: list[dict[str, Any]] = Field(description="grid points left out because they cannot train")
    panels: list[dict[str, Any]] = Field(description="the metric against each numeric axis, one line per value "
                                         "of another axis, mean and sd over the rest (the seeds)")
    page_url: str


class SweepList(Schema):
    results: list[SweepSummary]


def _summary(sweep: Sweep, rows: list[Any]) -> dict[str, Any]:
    status, _ = sweep_status(rows)
    return {"id": sweep.pk, "name": sweep.name, "dataset": sweep.dataset_id, "base_model": sweep.base_model_id,
            "status": status, "runs": len(rows), "created_at": sweep.created_at}


def _run(row: Any) -> dict[str, Any]:
    return {"position": row.position, "coordinates": row.coordinates, "job": row.job_id, "status": row.status,
            "step": row.step, "total_steps": row.total_steps, "metric": row.metric,
            "metric_name": row.metric_name, "version": row.version_id}


def sweep_json(sweep: Sweep) -> dict[str, Any]:
    rows = run_rows(sweep)
    _, counts = sweep_status(rows)
    best = best_rows(rows, 1)
    return {**_summary(sweep, rows), "recipe": sweep.recipe, "axes": dict(sweep.axes), "counts": counts,
            "results": [_run(row) for row in rows], "best": _run(best[0]) if best else None,
            "skipped": sweep.skipped,
            "panels": [panel.to_dict() for panel in sweep_panels(sweep, rows)], "page_url": f"/sweeps/{sweep.pk}/"}


@router.post("/sweeps/", response={201: SweepOut, **errors(400)}, summary="Launch a sweep: one job per grid point",
             description="Every run is checked as the launch form checks a job before any is queued; 400 names "
                         "the run and the field, and nothing is kept.")
def launch(request: HttpRequest, payload: SweepLaunch) -> Status:
    dataset = Dataset.objects.for_user(request.user).filter(pk=payload.dataset).first()
    if dataset is None:
        raise ApiError(400, "No such dataset", [{"field": "dataset", "message": "No such dataset"}])
    base_model = BaseModel.objects.filter(pk=payload.base_model).first()
    if base_model is None:
        raise ApiError(400, "No such base model", [{"field": "base_model", "message": "No such base model"}])
    try:
        sweep = launch_sweep(request.user, name=payload.name, dataset=dataset, base_model=base_model,
                             recipe=payload.recipe, axes=payload.axes, skip_impossible=payload.skip_impossible)
    except SweepError as exc:
        raise ApiError(400, str(exc), [{"field": exc.field, "message": str(exc)}]) from None
    return Status(201, sweep_json(sweep))


@router.get("/sweeps/", response={200: SweepList, **errors()}, summary="Your sweeps, newest first")
def list_sweeps(request: HttpRequest) -> dict[str, Any]:
    sweeps = Sweep.objects.for_user(request.user)[:200]
    return {"results": [_summary(sweep, run_rows(sweep)) for sweep in sweeps]}


@router.get("/sweeps/{int:id}/", response={200: SweepOut, **errors(404)},
            summary="A sweep: its runs with coordinates and metrics, and the panels as data")
def get_sweep(request: HttpRequest, id: int) -> dict[str, Any]:
    return sweep_json(get_sweep_for_user(request.user, id))


@router.post("/sweeps/{int:id}/cancel/", response={202: SweepOut, **errors(404)},
             summary="Cancel every run still queued or running")
def cancel(request: HttpRequest, id: int) -> Status:
    sweep = get_sweep_for_user(request.user, id)
    cancel_sweep(sweep)
    return Status(202, sweep_json(sweep))


class BestK(Schema):
    k: int = Field(3, description="how many of the best runs (2 to 16)")


class EnsembleMade(Schema):
    ensemble: int
    name: str
    members: list[int] = Field(description="the versions, best first")
    page_url: str


@router.post("/sweeps/{int:id}/ensemble/", response={201: EnsembleMade, **errors(400, 404)},
             summary="Ensemble the best k runs and queue its evaluation (the paper's Table 3)",
             description="400: fewer than k runs kept a version, or the ensemble cannot be made (its name "
                         "is taken, the members cannot vote together).")
def ensemble(request: HttpRequest, id: int, payload: BestK) -> Status:
    sweep = get_sweep_for_user(request.user, id)
    if not 2 <= payload.k <= 16:
        raise ApiError(400, "k is 2 to 16", [{"field": "k", "message": "k is 2 to 16"}])
    try:
        made = ensemble_best(sweep, payload.k)
    except SweepError as exc:
        raise ApiError(400, str(exc), [{"field": exc.field, "message": str(exc)}]) from None
    return Status(201, {"ensemble": made.pk, "name": made.name, "members": made.member_ids(),
                        "page_url": f"/ensembles/{made.pk}/"})
