"""Tuning jobs in the JSON API: launch, list, read, metrics, cancel, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from webapp.api.errors import ApiError
from webapp.api.schemas import Blankable, NamedRef, errors
from webapp.jobs import services
from webapp.jobs.forms import JobLaunchForm
from webapp.jobs.models import TuningJob

router = Router(tags=["jobs"])

JobStatusName = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JobKindName = Literal["prompt_tuning", "evaluation", "ensemble_evaluation"]  # JobMethod


class JobOut(Schema):
    id: int
    kind: JobKindName = Field(description="prompt_tuning (training), evaluation (one version) or "
                                          "ensemble_evaluation; step and total_steps count training steps, "
                                          "or for an evaluation the examples scored")
    status: JobStatusName
    prompt: NamedRef
    dataset: int | None
    base_model: NamedRef
    parent_version: int | None
    step: int
    total_steps: int
    last_loss: float | None
    best_metric: float | None
    best_metric_name: str | None
    best_step: int | None
    eta_seconds: float | None
    result_version: int | None = Field(description="the PromptVersion it produced")
    error_message: str | None
    cancel_requested: bool
    exclusive: bool
    attempts: int
    prompt_config: dict[str, Any]
    train_config: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobList(Schema):
    results: list[JobOut]


class JobFilter(Schema):
    status: Blankable[JobStatusName] = None


class JobLaunch(Schema):
    """The launch form's fields (JobLaunchForm checks the ranges and the rules between them)."""

    # Fields the form gains later still reach it; the schema should list them all (a test compares).
    model_config = ConfigDict(extra="allow", json_schema_extra={"example": {
        "dataset": 1, "base_model": 1, "prompt_name": "sentiment", "prompt_length": 20, "init": "class_labels",
        "learning_rate": 0.3, "batch_size": 32, "max_steps": 2000, "eval_every": 100, "patience": 5,
        "max_input_length": 256, "seed": 0}})

    dataset: int = Field(description="one of your ready datasets")
    base_model: int
    prompt_name: Blankable[str] = Field(None, description="a new prompt; or give continue_from")
    continue_from: Blankable[int] = Field(None, description="a PromptVersion id to keep training")
    prompt_length: int = Field(examples=[100], description="1 to 2048")
    init: Literal["class_labels", "vocab", "random"]
    learning_rate: float = Field(examples=[0.3])
    batch_size: int = Field(examples=[32])
    max_steps: int = Field(examples=[30000])
    eval_every: int = Field(examples=[1000])
    patience: Blankable[int] = Field(None, description="evaluations without improvement before stopping; "
                                                       "empty: never")
    max_input_length: int = Field(examples=[256])
    max_target_length: Blankable[int] = Field(
        None, description="target tokens kept (the answer or label words, with its end token); "
                          "empty: the dataset's longest measured target, up to 128")
    seed: Blankable[int] = Field(None, examples=[0], description="default 0")
    precision: Blankable[Literal["auto", "fp32", "bf16"]] = Field(
        None, description="bf16 autocast of the frozen model; auto (default): where the device has native bf16")
    eval_sample: Blankable[int] = Field(None, description="validation rows scored at each evaluation during "
                                                          "training (default 512); 0: all")
    attention_dropout: Blankable[bool] = Field(None, description="default true")
    exclusive: Blankable[bool] = Field(None, description="train alone, never together with other jobs on "
                                                         "the base model (timing runs); default false")
    launch_key: Blankable[UUID] = Field(None, description="any UUID of yours, new for each launch: sending "
                                                          "the same one again answers 200 with the job it "
                                                          "launched, so a retried request launches nothing")


class MetricPoint(Schema):
    kind: str
    step: int
    loss: float | None
    learning_rate: float | None
    metrics: dict[str, Any]
    elapsed_seconds: float | None


class JobMetrics(Schema):
    job: int
    results: list[MetricPoint]


def job_json(job: TuningJob) -> dict[str, Any]:
    # The reverse one-to-one raises a subclass of AttributeError when there is no version.
    version = getattr(job, "result_version", None)
    return {
        "id": job.pk,
        "kind": job.method,
        "status": job.status,
        "prompt": {"id": job.prompt_id, "name": job.prompt.name},
        "dataset": job.dataset_id,
        "base_model": {"id": job.base_model_id, "name": job.base_model.name},
        "parent_version": job.parent_version_id,
        "step": job.step,
        "total_steps": job.total_steps,
        "last_loss": job.last_loss,
        "best_metric": job.best_metric,
        "best_metric_name": job.best_metric_name or None,
        "best_step": job.best_step,
        "eta_seconds": job.eta_seconds,
        "result_version": version.pk if version else None,
        "error_message": job.error_message or None,
        "cancel_requested": job.cancel_requested,
        "exclusive": job.exclusive,
        "attempts": job.attempts,
        "prompt_config": job.prompt_config,
        "train_config": job.train_config,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def form_input(payload: Schema) -> dict[str, Any]:
    """A body schema as the Django form's data: what the client sent, None left out."""
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}


@router.get("/jobs/", response={200: JobList, **errors(400)}, summary="Your jobs, newest first (at most 500)")
def list_jobs(request: HttpRequest, filters: Query[JobFilter]) -> dict[str, Any]:
    jobs = TuningJob.objects.for_user(request.user).select_related("prompt", "base_model", "result_version")
    if filters.status:
        jobs = jobs.filter(status=filters.status)
    return {"results": [job_json(j) for j in jobs[:500]]}


@router.post("/jobs/", response={201: JobOut, 200: JobOut, **errors(400)}, summary="Launch a job",
             description="201: launched. 200: `launch_key` launched this job before; nothing new was launched. "
                         "400: invalid fields, named in details.")
def launch(request: HttpRequest, payload: JobLaunch) -> Status:
    form = JobLaunchForm(form_input(payload), user=request.user)
    if not form.is_valid():
        raise ApiError.from_form(form, "The job cannot be launched: fix the fields named in details")
    try:
        job = services.launch_job(request.user, form.to_request())
    except services.AlreadyLaunched as exc:
        return Status(200, job_json(exc.job))
    except services.JobLaunchError as exc:
        raise ApiError(400, str(exc), [{"field": exc.field, "message": str(exc)}]) from None
    return Status(201, job_json(job))


@router.get("/jobs/{int:id}/", response={200: JobOut, **errors(404)}, summary="One job")
def get_job(request: HttpRequest, id: int) -> dict[str, Any]:
    return job_json(services.get_job_for_user(request.user, id))


@router.delete("/jobs/{int:id}/", response={204: None, **errors(404, 409)},
               summary="Delete a finished job (its prompt version stays)",
               description="Deleted with its metrics, log and checkpoint files. 409: the job is queued or "
                           "running; cancel it first.")
def remove_job(request: HttpRequest, id: int) -> Status:
    job = services.get_job_for_user(request.user, id)
    try:
        services.delete_job(job)
    except services.JobInUse as exc:
        raise ApiError(409, str(exc)) from None
    return Status(204, None)


@router.get("/jobs/{int:id}/metrics/", response={200: JobMetrics, **errors(404)},
            summary="The training-loss and validation series")
def job_metrics(request: HttpRequest, id: int) -> dict[str, Any]:
    job = services.get_job_for_user(request.user, id)
    points = [{"kind": m.kind, "step": m.step, "loss": m.loss, "learning_rate": m.learning_rate,
               "metrics": m.values, "elapsed_seconds": m.elapsed_seconds} for m in job.metrics.all()]
    return {"job": job.pk, "results": points}


@router.post("/jobs/{int:id}/cancel/", response={202: JobOut, **errors(404, 409)},
             summary="Cancel: stops at the next step, keeps the best prompt so far",
             description="409: the job already ended.")
def cancel(request: HttpRequest, id: int) -> Status:
    job = services.get_job_for_user(request.user, id)
    if not job.is_active:
        raise ApiError(409, f"Job {job.pk} already ended ({job.status}); nothing to cancel")
    return Status(202, job_json(services.cancel_job(job)))
