"""Prompts and their versions in the JSON API, with the tensor download and evaluation runs."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from webapp.api.areas.jobs import JobOut, form_input, job_json
from webapp.api.errors import ApiError
from webapp.api.schemas import Blankable, NamedRef, errors
from webapp.evaluations.transfer import Matrix, TransferForm, launch_missing_evaluations, transfer_matrix
from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.services import JobLaunchError
from webapp.prompts.forms import EvaluateVersionForm, PredictionFilterForm, VersionNotesForm
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.predictions import label_options, select_predictions
from webapp.prompts.services import get_prompt_for_user, get_version_for_user, update_version_notes
from webapp.prompts.views import version_file_response

router = Router(tags=["prompts"])

SAFETENSORS = {"description": "prompt.safetensors: one float32 tensor `prompt` of shape [p, d]",
               "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


class EvaluationOut(Schema):
    id: int
    dataset: int | None
    split: str
    mode: str
    num_examples: int | None
    metrics: dict[str, Any]


class VersionOut(Schema):
    id: int
    version: int
    prompt_length: int
    d_model: int
    init: str
    sha256: str
    job: int | None = Field(description="the job that trained it")
    parent: int | None = Field(description="the version it continued from")
    best_step: int | None
    metrics: dict[str, Any]
    evaluations: list[EvaluationOut]
    download_url: str
    created_at: datetime


class VersionDetail(VersionOut):
    prompt: NamedRef
    base_model: NamedRef
    notes: str
    tags: list[str]
    page_url: str


class VersionNotes(Schema):
    """Left out: unchanged."""

    notes: str | None = Field(None, description="free text, at most 10,000 characters")
    tags: list[str] | None = Field(None, description="e.g. [\"production\", \"baseline\"]; at most 40 characters each")


class LabelScoreOut(Schema):
    label: str
    probability: float
    log_likelihood: float


class PredictionOut(Schema):
    index: int = Field(description="the row's position in the split")
    input_text: str
    gold: str
    predicted: str
    correct: bool
    valid: bool
    scores: list[LabelScoreOut] = Field(description="highest first; empty for generation")
    confidence: float | None
    margin: float | None
    token_f1: float | None


class EvaluationDetail(EvaluationOut):
    version: int | None
    ensemble: int | None
    predictions: list[PredictionOut]
    matching: int = Field(description="predictions that pass the filters, over all pages")
    total: int
    page: int
    num_pages: int


class PredictionQuery(Schema):
    errors_only: bool = False
    gold: str = Field("", description="only this gold label")
    predicted: str = Field("", description="only this predicted label")
    q: str = Field("", description="text in the input, gold or prediction")
    sort: Literal["", "confidence", "-confidence"] = Field("", description="confidence: least confident first")
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=500)


class TransferQuery(Schema):
    v: list[int] = Field(description="version ids, the rows (at most 12)")
    d: list[int] = Field(description="ready dataset ids, the columns (at most 12)")
    split: Literal["train", "validation", "test"] = "test"


class TransferCellOut(Schema):
    version: int
    dataset: int
    state: str = Field(description="done | queued | running | failed | cancelled | missing | refused")
    metric_name: str | None
    value: float | None
    trained_on: bool = Field(description="the version was trained on this dataset")
    problem: str | None = Field(description="why the pair cannot be evaluated (state refused)")
    evaluation: int | None = Field(description="the EvalRun of a done cell")
    job: int | None = Field(description="the newest evaluation job of the pair")


class TransferOut(Schema):
    split: str
    versions: list[NamedRef]
    datasets: list[NamedRef]
    cells: list[TransferCellOut]


class TransferLaunched(TransferOut):
    launched: list[int] = Field(description="the evaluation jobs queued, one per missing cell")
    refused: list[str]


class PromptSummary(Schema):
    id: int
    name: str
    base_model: NamedRef
    created_at: datetime
    latest_version: int | None


class PromptOut(PromptSummary):
    versions: list[VersionOut]


class PromptList(Schema):
    results: list[PromptSummary]


class EvaluateVersion(Schema):
    dataset: int = Field(description="one of your ready datasets")
    split: Blankable[Literal["validation", "test", "train"]] = Field(None, description="default test")


def version_json(version: PromptVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "version": version.version,
        "prompt_length": version.prompt_length,
        "d_model": version.d_model,
        "init": version.init,
        "sha256": version.sha256,
        "job": version.job_id,
        "parent": version.parent_id,
        "best_step": version.best_step,
        "metrics": version.metrics,
        "evaluations": [{"id": run.pk, "dataset": run.dataset_id, "split": run.split, "mode": run.mode,
                         "num_examples": run.num_examples, "metrics": run.metrics}
                        for run in version.eval_runs.all()],
        "download_url": f"/api/v1/prompts/versions/{version.pk}/download/",
        "created_at": version.created_at,
    }


def prompt_json(prompt: Prompt, *, with_versions: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": prompt.pk, "name": prompt.name,
        "base_model": {"id": prompt.base_model_id, "name": prompt.base_model.name},
        "created_at": prompt.created_at,
    }
    versions = list(prompt.versions.all())
    data["latest_version"] = versions[0].version if versions else None
    if with_versions:
        data["versions"] = [version_json(v) for v in versions]
    return data


@router.get("/prompts/", response={200: PromptList, **errors()}, summary="Your prompts")
def list_prompts(request: HttpRequest) -> dict[str, Any]:
    prompts = Prompt.objects.for_user(request.user).select_related("base_model").prefetch_related("versions")
    return {"results": [prompt_json(p, with_versions=False) for p in prompts]}


@router.get("/prompts/{int:id}/", response={200: PromptOut, **errors(404)},
            summary="A prompt with its versions, their metrics and evaluations")
def get_prompt(request: HttpRequest, id: int) -> dict[str, Any]:
    return prompt_json(get_prompt_for_user(request.user, id), with_versions=True)


@router.get("/prompts/{int:id}/download/", response=errors(404), openapi_extra={"responses": {"200": SAFETENSORS}},
            summary="The latest version's safetensors file")
def download_prompt(request: HttpRequest, id: int) -> FileResponse:
    version = get_prompt_for_user(request.user, id).latest_version()
    if version is None:
        raise ApiError(404, "This prompt has no version yet")
    return version_file_response(version)


@router.get("/versions/{int:id}/download/", response=errors(404),
            openapi_extra={"responses": {"200": SAFETENSORS}}, summary="One version's safetensors file")
def download_version(request: HttpRequest, id: int) -> FileResponse:
    return version_file_response(get_version_for_user(request.user, id))


# Every version endpoint is /versions/{id}/…; this first path of the download keeps working.
@router.get("/prompts/versions/{int:id}/download/", response=errors(404), deprecated=True,
            openapi_extra={"responses": {"200": SAFETENSORS}},
            summary="One version's safetensors file (old path: use /versions/{id}/download/)")
def download_version_old_path(request: HttpRequest, id: int) -> FileResponse:
    return download_version(request, id)


@router.post("/versions/{int:id}/evaluate/", response={202: JobOut, **errors(400, 404)},
             summary="Evaluate a version on one of your datasets (a job on the GPU queue)",
             description="Answers the queued job, followed like a training job. 400: an incompatible dataset "
                         "or split, named in details.")
def evaluate_version(request: HttpRequest, id: int, payload: EvaluateVersion) -> Status:
    version = get_version_for_user(request.user, id)
    form = EvaluateVersionForm(form_input(payload), user=request.user)
    if not form.is_valid():
        raise ApiError.from_form(form)
    try:
        job = launch_evaluation(request.user, version, form.cleaned_data["dataset"], form.cleaned_data["split"])
    except JobLaunchError as exc:
        raise ApiError(400, str(exc), [{"field": "dataset", "message": str(exc)}]) from None
    return Status(202, job_json(job))



def version_detail_json(version: PromptVersion) -> dict[str, Any]:
    return {
        **version_json(version),
        "prompt": {"id": version.prompt_id, "name": version.prompt.name},
        "base_model": {"id": version.base_model_id, "name": version.base_model.name},
        "notes": version.notes, "tags": list(version.tags),
        "page_url": f"/prompts/versions/{version.pk}/",
    }


@router.get("/versions/{int:id}/", response={200: VersionDetail, **errors(404)},
            summary="One version: its configuration, metrics, evaluations, notes and tags")
def get_version(request: HttpRequest, id: int) -> dict[str, Any]:
    return version_detail_json(get_version_for_user(request.user, id))


@router.patch("/versions/{int:id}/", response={200: VersionDetail, **errors(400, 404)},
              summary="Change a version's notes and tags")
def patch_version(request: HttpRequest, id: int, payload: VersionNotes) -> dict[str, Any]:
    version = get_version_for_user(request.user, id)
    form = VersionNotesForm({
        "notes": version.notes if payload.notes is None else payload.notes,
        "tags": ", ".join(version.tags if payload.tags is None else payload.tags),
    })
    if not form.is_valid():
        raise ApiError.from_form(form)
    return version_detail_json(update_version_notes(version, notes=form.cleaned_data["notes"],
                                                    tags=form.cleaned_data["tags"]))


@router.get("/evaluations/{int:id}/", response={200: EvaluationDetail, **errors(400, 404)},
            summary="One evaluation run: metrics (per class, confusion matrix) and a page of its predictions",
            description="The evaluation page's filters: errors only, gold or predicted label, text search, "
                        "sorted by confidence; paged.")
def get_evaluation(request: HttpRequest, id: int, query: Query[PredictionQuery]) -> dict[str, Any]:
    run = get_object_or_404(EvalRun.objects.for_user(request.user), pk=id)
    gold_labels, predicted_labels = label_options(run)
    form = PredictionFilterForm(
        {"errors_only": query.errors_only, "gold": query.gold, "predicted": query.predicted, "q": query.q,
         "sort": query.sort, "page": query.page},
        gold_labels=gold_labels, predicted_labels=predicted_labels)
    if not form.is_valid():
        raise ApiError.from_form(form)
    page = select_predictions(run, replace(form.to_filter(), per_page=query.per_page))
    return {
        "id": run.pk, "dataset": run.dataset_id, "split": run.split, "mode": run.mode,
        "num_examples": run.num_examples, "metrics": run.metrics, "version": run.prompt_version_id,
        "ensemble": run.ensemble_id, "predictions": [asdict(row) for row in page.rows],
        "matching": page.matching, "total": page.total, "page": page.page, "num_pages": page.num_pages,
    }


def _transfer_form(user: Any, query: TransferQuery) -> TransferForm:
    data = QueryDict(mutable=True)
    data.setlist("v", [str(pk) for pk in query.v])
    data.setlist("d", [str(pk) for pk in query.d])
    data["split"] = query.split
    form = TransferForm(data, user=user)
    if not form.is_valid():
        raise ApiError.from_form(form, "The matrix cannot be built: fix the fields named in details")
    return form


def transfer_json(matrix: Matrix) -> dict[str, Any]:
    return {
        "split": matrix.split,
        "versions": [{"id": v.pk, "name": str(v)} for v in matrix.versions],
        "datasets": [{"id": d.pk, "name": d.name} for d in matrix.datasets],
        "cells": [{"version": c.version.pk, "dataset": c.dataset.pk, "state": c.state, "metric_name": c.metric_name,
                   "value": c.value, "trained_on": c.trained_on, "problem": c.problem,
                   "evaluation": c.run.pk if c.run else None, "job": c.job.pk if c.job else None}
                  for c in matrix.cells],
    }


@router.get("/transfer/", response={200: TransferOut, **errors(400)},
            summary="The domain-transfer matrix: each version's headline metric on each dataset",
            description="The page /prompts/transfer/ as JSON; ids that are not yours are refused (400).")
def get_transfer(request: HttpRequest, query: Query[TransferQuery]) -> dict[str, Any]:
    data = _transfer_form(request.user, query).cleaned_data
    return transfer_json(transfer_matrix(data["v"], data["d"], data["split"]))


@router.post("/transfer/evaluate-missing/", response={202: TransferLaunched, **errors(400)},
             summary="Queue one evaluation job per missing cell of the matrix")
def evaluate_missing_transfer(request: HttpRequest, payload: TransferQuery) -> Status:
    data = _transfer_form(request.user, payload).cleaned_data
    matrix = transfer_matrix(data["v"], data["d"], data["split"])
    launched, refused = launch_missing_evaluations(request.user, matrix)
    after = transfer_matrix(data["v"], data["d"], data["split"])
    return Status(202, {**transfer_json(after), "launched": [job.pk for job in launched],
                        "refused": list(dict.fromkeys(refused))})
