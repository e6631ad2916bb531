"""Ensembles in the JSON API: build, list, read, change and delete them with the builder's rules, the
vote's results included. (Predicting with one is `POST /ensembles/{id}/predict/`, in webapp.api.areas.serving.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, QueryDict
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from webapp.api.errors import ApiError
from webapp.api.schemas import NamedRef, errors
from webapp.ensembles.forms import EnsembleForm
from webapp.ensembles.models import Ensemble
from webapp.ensembles.services import (
    EnsembleError,
    EnsembleInUse,
    delete_ensemble,
    get_ensemble_for_user,
    save_ensemble,
)
from webapp.jobs.services import JobLaunchError
from webapp.prompts.models import EvalRun

router = Router(tags=["ensembles"])


class MemberOut(Schema):
    version: int
    prompt: str
    label: str = Field(description="e.g. sentiment v3")


class VoteResultOut(Schema):
    evaluation: int = Field(description="the vote's EvalRun: GET /evaluations/{id}/ for its predictions")
    dataset: int | None
    split: str
    metrics: dict[str, Any]


class EnsembleSummary(Schema):
    id: int
    name: str
    voting: str = Field(description="majority | soft")
    revision: int = Field(description="grows when the members or the voting rule change")
    base_model: NamedRef
    members: list[MemberOut]
    updated_at: datetime


class EnsembleOut(EnsembleSummary):
    description: str
    results: list[VoteResultOut] = Field(description="the vote's evaluations of this revision")
    page_url: str
    predict_url: str


class EnsembleList(Schema):
    results: list[EnsembleSummary]


def ensemble_json(ensemble: Ensemble) -> dict[str, Any]:
    return {
        "id": ensemble.pk, "name": ensemble.name, "voting": ensemble.voting, "revision": ensemble.revision,
        "base_model": {"id": ensemble.base_model_id, "name": ensemble.base_model.name},
        "members": [{"version": v.pk, "prompt": v.prompt.name, "label": str(v)} for v in ensemble.member_versions()],
        "updated_at": ensemble.updated_at,
    }


@router.get("/ensembles/", response={200: EnsembleList, **errors()}, summary="Your ensembles")
def list_ensembles(request: HttpRequest) -> dict[str, Any]:
    ensembles = Ensemble.objects.for_user(request.user).select_related("base_model")
    return {"results": [ensemble_json(e) for e in ensembles]}


@router.get("/ensembles/{int:id}/", response={200: EnsembleOut, **errors(404)},
            summary="An ensemble: its members, voting rule and the vote's results")
def get_ensemble(request: HttpRequest, id: int) -> dict[str, Any]:
    return _detail(request, get_ensemble_for_user(request.user, id))


def _detail(request: HttpRequest, ensemble: Ensemble) -> dict[str, Any]:
    runs = EvalRun.objects.for_user(request.user).filter(
        ensemble=ensemble, ensemble_revision=ensemble.revision, prompt_version__isnull=True).order_by("-id")
    return {
        **ensemble_json(ensemble), "description": ensemble.description,
        "results": [{"evaluation": r.pk, "dataset": r.dataset_id, "split": r.split, "metrics": r.metrics} for r in runs],
        "page_url": f"/ensembles/{ensemble.pk}/", "predict_url": f"/api/v1/ensembles/{ensemble.pk}/predict/",
    }


class EnsembleIn(Schema):
    """The builder's fields."""

    model_config = ConfigDict(json_schema_extra={"example": {
        "name": "sentiment ensemble", "versions": [3, 5, 8], "voting": "majority", "dataset": 1,
        "splits": ["validation", "test"]}})

    name: str
    description: str = ""
    voting: Literal["majority", "soft"] = "majority"
    versions: list[int] = Field(description="2 to 16 of your version ids, in the vote's column order; one base "
                                            "model and one label set")
    dataset: int = Field(description="the dataset whose splits score the ensemble and its members in one pass")
    splits: list[Literal["validation", "test"]] = ["validation", "test"]


class EnsemblePatch(Schema):
    """Any of the builder's fields; the others keep their values. New members or another voting
    rule make a new revision, evaluated anew on `dataset` (by default the members' training data)."""

    name: str | None = None
    description: str | None = None
    voting: Literal["majority", "soft"] | None = None
    versions: list[int] | None = None
    dataset: int | None = None
    splits: list[Literal["validation", "test"]] | None = None


def _save_through_form(request: HttpRequest, ensemble: Ensemble | None, fields: dict[str, Any]) -> Ensemble:
    """The builder's form checks the fields (ownership, ranges), then the builder's service saves."""
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif value is not None:
            data[name] = str(value)
    form = EnsembleForm(data, user=request.user)
    if not form.is_valid():
        raise ApiError.from_form(form, "The ensemble cannot be saved: fix the fields named in details")
    clean = form.cleaned_data
    try:
        saved, _ = save_ensemble(request.user, ensemble, name=clean["name"], description=clean["description"],
                                 versions=form.ordered_versions(), voting=clean["voting"], dataset=clean["dataset"],
                                 splits=clean["splits"])
    except EnsembleError as exc:
        raise ApiError(400, str(exc), [{"field": exc.field or "versions", "message": str(exc)}]) from None
    except JobLaunchError as exc:
        raise ApiError(400, str(exc), [{"field": "dataset", "message": str(exc)}]) from None
    return saved


@router.post("/ensembles/", response={201: EnsembleOut, **errors(400)},
             summary="Build an ensemble and queue its evaluation (the builder's rules and messages)")
def create(request: HttpRequest, payload: EnsembleIn) -> Status:
    return Status(201, _detail(request, _save_through_form(request, None, payload.model_dump())))


@router.patch("/ensembles/{int:id}/", response={200: EnsembleOut, **errors(400, 404)},
              summary="Change an ensemble's name, description, members or voting")
def change(request: HttpRequest, id: int, payload: EnsemblePatch) -> dict[str, Any]:
    ensemble = get_ensemble_for_user(request.user, id)
    members = ensemble.member_versions()
    trained_on = members[0].job.dataset_id if members and members[0].job else None
    current = {"name": ensemble.name, "description": ensemble.description, "voting": ensemble.voting,
               "versions": ensemble.member_ids(), "dataset": trained_on, "splits": ["validation", "test"]}
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return _detail(request, _save_through_form(request, ensemble, {**current, **changes}))


@router.delete("/ensembles/{int:id}/", response={204: None, **errors(404, 409)},
               summary="Delete an ensemble with its results",
               description="409: one of its evaluations is queued or running.")
def remove(request: HttpRequest, id: int) -> Status:
    ensemble = get_ensemble_for_user(request.user, id)
    try:
        delete_ensemble(ensemble)
    except EnsembleInUse as exc:
        raise ApiError(409, str(exc)) from None
    return Status(204, None)
