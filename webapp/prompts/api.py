"""Prompts and their versions in the JSON API, with the tensor download."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, JsonResponse
from django.urls import path

from webapp.api.auth import api_view
from webapp.api.errors import error_response, form_error
from webapp.api.schema import COMMON_RESPONSES, error_ref
from webapp.jobs.api import job_json, request_data
from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.services import JobLaunchError
from webapp.prompts.forms import EvaluateVersionForm
from webapp.prompts.models import Prompt, PromptVersion
from webapp.prompts.services import get_prompt_for_user, get_version_for_user
from webapp.prompts.views import version_file_response


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
        "created_at": version.created_at.isoformat(),
    }


def prompt_json(prompt: Prompt, *, with_versions: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": prompt.pk, "name": prompt.name,
        "base_model": {"id": prompt.base_model_id, "name": prompt.base_model.name},
        "created_at": prompt.created_at.isoformat(),
    }
    versions = list(prompt.versions.all())
    data["latest_version"] = versions[0].version if versions else None
    if with_versions:
        data["versions"] = [version_json(v) for v in versions]
    return data


@api_view(["GET"])
def prompts_view(request: HttpRequest) -> JsonResponse:
    prompts = Prompt.objects.for_user(request.user).select_related("base_model").prefetch_related("versions")
    return JsonResponse({"results": [prompt_json(p, with_versions=False) for p in prompts]})


@api_view(["GET"])
def prompt_view(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(prompt_json(get_prompt_for_user(request.user, pk), with_versions=True))


@api_view(["GET"])
def prompt_download_view(request: HttpRequest, pk: int) -> FileResponse:
    """The latest version's tensor file (the issue's `/prompts/{id}/download/`)."""
    prompt = get_prompt_for_user(request.user, pk)
    version = prompt.latest_version()
    if version is None:
        from django.http import Http404

        raise Http404("This prompt has no version yet")
    return version_file_response(version)


@api_view(["GET"])
def version_download_view(request: HttpRequest, pk: int) -> FileResponse:
    return version_file_response(get_version_for_user(request.user, pk))


@api_view(["POST"])
def version_evaluate_view(request: HttpRequest, pk: int) -> JsonResponse:
    """Queue an evaluation of a version on one of the user's datasets: `{"dataset": id, "split": "test"}`."""
    version = get_version_for_user(request.user, pk)
    form = EvaluateVersionForm(request_data(request) or {}, user=request.user)
    if not form.is_valid():
        return form_error(form)
    try:
        job = launch_evaluation(request.user, version, form.cleaned_data["dataset"], form.cleaned_data["split"])
    except JobLaunchError as exc:
        return error_response(400, str(exc), [{"field": "dataset", "message": str(exc)}])
    return JsonResponse(job_json(job), status=202)


urlpatterns = [
    path("versions/<int:pk>/evaluate/", version_evaluate_view, name="version_evaluate"),
    path("prompts/", prompts_view, name="prompts"),
    path("prompts/<int:pk>/", prompt_view, name="prompt"),
    path("prompts/<int:pk>/download/", prompt_download_view, name="prompt_download"),
    path("prompts/versions/<int:pk>/download/", version_download_view, name="version_download"),
]

_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_SAFETENSORS = {"description": "prompt.safetensors: one float32 tensor `prompt` of shape [p, d]",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}

SCHEMA: dict[str, Any] = {
    "tags": [{"name": "prompts", "description": "Named prompts and their trained versions"}],
    "components": {"schemas": {"Prompt": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "base_model": {"type": "object"},
        "latest_version": {"type": "integer", "nullable": True},
        "versions": {"type": "array", "items": {"type": "object"}}}}}},
    "paths": {
        "/prompts/": {"get": {"tags": ["prompts"], "summary": "Your prompts",
                              "responses": {"200": {"description": "OK"}, "401": COMMON_RESPONSES["401"]}}},
        "/prompts/{id}/": {"parameters": _ID, "get": {
            "tags": ["prompts"], "summary": "A prompt with its versions, their metrics and evaluations",
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Prompt"}}}}, **COMMON_RESPONSES}}},
        "/prompts/{id}/download/": {"parameters": _ID, "get": {
            "tags": ["prompts"], "summary": "The latest version's safetensors file",
            "responses": {"200": _SAFETENSORS, **COMMON_RESPONSES}}},
        "/versions/{id}/evaluate/": {"parameters": _ID, "post": {
            "tags": ["prompts"], "summary": "Evaluate a version on one of your datasets (a job on the GPU queue)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["dataset"], "properties": {
                    "dataset": {"type": "integer"},
                    "split": {"type": "string", "enum": ["validation", "test", "train"], "default": "test"}}}}}},
            "responses": {"202": {"description": "Queued: the job, followed like a training job",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                          "400": error_ref("An incompatible dataset or split, named in details"),
                          **COMMON_RESPONSES}}},
        "/prompts/versions/{id}/download/": {"parameters": _ID, "get": {
            "tags": ["prompts"], "summary": "One version's safetensors file",
            "responses": {"200": _SAFETENSORS, **COMMON_RESPONSES}}},
    },
}
