"""Tuning jobs in the JSON API: launch, list, read, metrics, cancel."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import path

from webapp.api.auth import api_view
from webapp.api.errors import error_response, form_error
from webapp.api.schema import COMMON_RESPONSES, error_ref
from webapp.jobs.forms import JobFilterForm, JobLaunchForm
from webapp.jobs.models import TuningJob
from webapp.jobs.services import JobInUse, JobLaunchError, cancel_job, delete_job, get_job_for_user, launch_job


def job_json(job: TuningJob) -> dict[str, Any]:
    # The reverse one-to-one raises a subclass of AttributeError when there is no version.
    version = getattr(job, "result_version", None)
    return {
        "id": job.pk,
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
        "attempts": job.attempts,
        "prompt_config": job.prompt_config,
        "train_config": job.train_config,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def request_data(request: HttpRequest) -> QueryDict | dict[str, Any] | None:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except json.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None
    return request.POST


@api_view(["GET", "POST"])
def jobs_view(request: HttpRequest) -> JsonResponse:
    jobs = TuningJob.objects.for_user(request.user).select_related("prompt", "base_model")
    if request.method == "GET":
        filters = JobFilterForm(request.GET)
        if not filters.is_valid():
            return form_error(filters, "Unknown status filter")
        if filters.cleaned_data["status"]:
            jobs = jobs.filter(status=filters.cleaned_data["status"])
        return JsonResponse({"results": [job_json(j) for j in jobs[:500]]})
    data = request_data(request)
    if data is None:
        return error_response(400, "The body is not a JSON object")
    form = JobLaunchForm(data, user=request.user)
    if not form.is_valid():
        return form_error(form, "The job cannot be launched: fix the fields named in details")
    try:
        job = launch_job(request.user, form.to_request())
    except JobLaunchError as exc:
        return error_response(400, str(exc), [{"field": exc.field, "message": str(exc)}])
    return JsonResponse(job_json(job), status=201)


@api_view(["GET", "DELETE"])
def job_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if request.method == "DELETE":
        try:
            delete_job(job)
        except JobInUse as exc:
            return error_response(409, str(exc))
        return HttpResponse(status=204)
    return JsonResponse(job_json(job))


@api_view(["GET"])
def job_metrics_view(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_job_for_user(request.user, pk)
    points = [{"kind": m.kind, "step": m.step, "loss": m.loss, "learning_rate": m.learning_rate,
               "metrics": m.values, "elapsed_seconds": m.elapsed_seconds} for m in job.metrics.all()]
    return JsonResponse({"job": job.pk, "results": points})


@api_view(["POST"])
def job_cancel_view(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_job_for_user(request.user, pk)
    if not job.is_active:
        return error_response(409, f"Job {job.pk} already ended ({job.status}); nothing to cancel")
    return JsonResponse(job_json(cancel_job(job)), status=202)


urlpatterns = [
    path("jobs/", jobs_view, name="jobs"),
    path("jobs/<int:pk>/", job_view, name="job"),
    path("jobs/<int:pk>/metrics/", job_metrics_view, name="job_metrics"),
    path("jobs/<int:pk>/cancel/", job_cancel_view, name="job_cancel"),
]

_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_JOB = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
        "prompt": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "dataset": {"type": "integer"},
        "base_model": {"type": "object"},
        "parent_version": {"type": "integer", "nullable": True},
        "step": {"type": "integer"}, "total_steps": {"type": "integer"},
        "last_loss": {"type": "number", "nullable": True},
        "best_metric": {"type": "number", "nullable": True},
        "best_metric_name": {"type": "string", "nullable": True},
        "best_step": {"type": "integer", "nullable": True},
        "eta_seconds": {"type": "number", "nullable": True},
        "result_version": {"type": "integer", "nullable": True, "description": "the PromptVersion it produced"},
        "error_message": {"type": "string", "nullable": True},
        "cancel_requested": {"type": "boolean"},
        "attempts": {"type": "integer"},
        "prompt_config": {"type": "object"}, "train_config": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": "string", "format": "date-time", "nullable": True},
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
_LAUNCH = {
    "type": "object",
    "required": ["dataset", "base_model", "prompt_length", "init", "learning_rate", "batch_size", "max_steps",
                 "eval_every", "max_input_length", "seed"],
    "properties": {
        "dataset": {"type": "integer"}, "base_model": {"type": "integer"},
        "prompt_name": {"type": "string", "description": "a new prompt; or give continue_from"},
        "continue_from": {"type": "integer", "description": "a PromptVersion id to keep training"},
        "prompt_length": {"type": "integer", "minimum": 1, "maximum": 2048, "example": 100},
        "init": {"type": "string", "enum": ["class_labels", "vocab", "random"]},
        "learning_rate": {"type": "number", "example": 0.3},
        "batch_size": {"type": "integer", "example": 32},
        "max_steps": {"type": "integer", "example": 30000},
        "eval_every": {"type": "integer", "example": 1000},
        "patience": {"type": "integer", "nullable": True},
        "max_input_length": {"type": "integer", "example": 256},
        "seed": {"type": "integer", "example": 0},
        "precision": {"type": "string", "enum": ["auto", "fp32", "bf16"], "default": "auto",
                      "description": "bf16 autocast of the frozen model; auto: where the device has native bf16"},
        "eval_sample": {"type": "integer", "minimum": 0, "default": 512,
                        "description": "validation rows scored at each evaluation during training; 0: all"},
        "attention_dropout": {"type": "boolean", "default": True},
    },
}
_JOB_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}

SCHEMA: dict[str, Any] = {
    "tags": [{"name": "jobs", "description": "Prompt-tuning jobs"}],
    "components": {"schemas": {"Job": _JOB, "JobLaunch": _LAUNCH}},
    "paths": {
        "/jobs/": {
            "get": {"tags": ["jobs"], "summary": "Your jobs, newest first",
                    "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "OK"}, "401": COMMON_RESPONSES["401"]}},
            "post": {"tags": ["jobs"], "summary": "Launch a job (JSON or form-encoded)",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": {"$ref": "#/components/schemas/JobLaunch"}}}},
                     "responses": {"201": {"description": "Queued", "content": _JOB_REF},
                                   "400": error_ref("Invalid fields, named in details"),
                                   "401": COMMON_RESPONSES["401"]}},
        },
        "/jobs/{id}/": {"parameters": _ID, "get": {
            "tags": ["jobs"], "summary": "One job", "responses": {
                "200": {"description": "OK", "content": _JOB_REF}, **COMMON_RESPONSES}},
            "delete": {
                "tags": ["jobs"], "summary": "Delete a finished job (its prompt version stays)", "responses": {
                    "204": {"description": "Deleted, with its metrics, log and checkpoint files"},
                    "409": error_ref("The job is queued or running: cancel it first"), **COMMON_RESPONSES}}},
        "/jobs/{id}/metrics/": {"parameters": _ID, "get": {
            "tags": ["jobs"], "summary": "The training-loss and validation series", "responses": {
                "200": {"description": "OK"}, **COMMON_RESPONSES}}},
        "/jobs/{id}/cancel/": {"parameters": _ID, "post": {
            "tags": ["jobs"], "summary": "Cancel: stops at the next step, keeps the best prompt so far",
            "responses": {"202": {"description": "Cancelling (or cancelled)", "content": _JOB_REF},
                          "409": error_ref("The job already ended"), **COMMON_RESPONSES}}},
    },
}
