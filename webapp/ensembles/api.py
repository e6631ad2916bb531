"""Ensembles in the JSON API: list them and read one, with its members and the vote's results.
(Predicting with one is `POST /ensembles/{id}/predict/`, in webapp.serving.api.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from webapp.api.schemas import errors
from webapp.ensembles.models import Ensemble
from webapp.ensembles.services import get_ensemble_for_user
from webapp.jobs.api import NamedRef
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
    ensemble = get_ensemble_for_user(request.user, id)
    runs = EvalRun.objects.for_user(request.user).filter(
        ensemble=ensemble, ensemble_revision=ensemble.revision, prompt_version__isnull=True).order_by("-id")
    return {
        **ensemble_json(ensemble), "description": ensemble.description,
        "results": [{"evaluation": r.pk, "dataset": r.dataset_id, "split": r.split, "metrics": r.metrics} for r in runs],
        "page_url": f"/ensembles/{ensemble.pk}/", "predict_url": f"/api/v1/ensembles/{ensemble.pk}/predict/",
    }
