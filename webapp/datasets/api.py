"""Datasets in the JSON API: list, create (upload + mapping in one request), read, delete.

A POST is processed inline, so it answers with the row counts and labels, or with 400 and every
problem found; a refused upload stores nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from tuning_core.errors import DataError
from webapp.api.auth import api_view
from webapp.api.errors import error_response, form_error, problem_details
from webapp.api.schema import COMMON_RESPONSES, error_ref
from webapp.datasets import services
from webapp.datasets.forms import ApiDatasetForm, UploadForm
from webapp.datasets.models import Dataset, SplitMode
from webapp.datasets.processing import detect_task_kind
from webapp.datasets.uploads import incoming, install_upload_handler, refused_problems


def dataset_json(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": dataset.pk,
        "name": dataset.name,
        "status": dataset.status,
        "task_kind": dataset.task_kind,
        "input_template": dataset.input_template,
        "label_column": dataset.label_column,
        "label_map": dataset.label_map,
        "labels": dataset.labels,
        "label_counts": dataset.label_counts,
        "split_counts": dataset.split_counts,
        "rows": dataset.total_rows,
        "problems": dataset.problems,
        "files": [{"role": f["role"], "name": f["name"], "format": f["format"], "size": f["size"]}
                  for f in dataset.source_files],
        "created_at": dataset.created_at.isoformat(),
    }


@api_view(["GET", "POST"], before_body=lambda r: install_upload_handler(r) if r.method == "POST" else None)
def datasets_view(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        return JsonResponse({"results": [dataset_json(d) for d in Dataset.objects.for_user(request.user)]})
    return _create(request)


def _create(request: HttpRequest) -> JsonResponse:
    refused = refused_problems(request)
    if refused:
        return error_response(413, str(refused[0].message), problem_details(refused))
    files_form = UploadForm(request.POST, request.FILES)
    if not files_form.is_valid():
        return form_error(files_form, "Send the data as `file`, or as `train_file` (with optional "
                                      "`validation_file` and `test_file`)")
    fields = ApiDatasetForm(request.POST)
    if not fields.is_valid():
        return form_error(fields)
    data = fields.cleaned_data
    try:
        staging = services.stage_upload(request.user, data.get("name") or "", incoming(request.FILES))
    except DataError as exc:
        return error_response(400, f"The upload was refused: {exc}", problem_details(exc.problems))
    try:
        distinct = staging.distinct(data["label_column"])
        kind = detect_task_kind(distinct, staging.rows)
        split = (SplitMode.FILES if not staging.single_file
                 else SplitMode.COLUMN if data.get("split_column") else SplitMode.AUTO)
        mapping = fields.mapping(data["label_map"], kind, data.get("split_mode") or split)
        dataset = services.create_dataset(request.user, staging, mapping, name=data.get("name") or None, inline=True)
    except DataError as exc:
        return error_response(400, f"The data does not fit: {exc}", problem_details(exc.problems))
    finally:
        services.discard_staging(staging)
    return JsonResponse(dataset_json(dataset), status=201)


@api_view(["GET", "DELETE"])
def dataset_view(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = services.get_dataset_for_user(request.user, pk)
    if request.method == "GET":
        return JsonResponse(dataset_json(dataset))
    try:
        services.delete_dataset(dataset)
    except services.DatasetInUse as exc:
        return error_response(409, str(exc))
    return HttpResponse(status=204)


urlpatterns = [
    path("datasets/", datasets_view, name="datasets"),
    path("datasets/<int:pk>/", dataset_view, name="dataset"),
]

_DATASET = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["validating", "ready", "invalid"]},
        "task_kind": {"type": "string", "enum": ["classification", "generation"]},
        "input_template": {"type": "string"},
        "label_column": {"type": "string"},
        "label_map": {"type": "object", "additionalProperties": {"type": "string"}},
        "labels": {"type": "array", "items": {"type": "string"}},
        "label_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "split_counts": {"type": "object", "additionalProperties": {"type": "integer"},
                         "example": {"train": 8000, "validation": 1000, "test": 1000}},
        "rows": {"type": "integer"},
        "problems": {"type": "array", "items": {"type": "object"}, "description": "warnings"},
        "files": {"type": "array", "items": {"type": "object"}},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
_FILE = {"type": "string", "format": "binary"}

SCHEMA: dict[str, Any] = {
    "tags": [{"name": "datasets", "description": "Labeled data, validated and split"}],
    "components": {"schemas": {"Dataset": _DATASET}},
    "paths": {
        "/datasets/": {
            "get": {
                "tags": ["datasets"], "summary": "Your datasets",
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"results": {"type": "array", "items": {
                        "$ref": "#/components/schemas/Dataset"}}}}}}}, "401": COMMON_RESPONSES["401"]},
            },
            "post": {
                "tags": ["datasets"],
                "summary": "Upload, map and process a dataset",
                "description": "Either `file` (split automatically, or by `split_column`) or `train_file` with "
                               "optional `validation_file` / `test_file`. CSV, TSV, JSONL, JSON array or Parquet, "
                               "UTF-8. Processed before answering.",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object",
                    "required": ["label_column"],
                    "properties": {
                        "file": _FILE, "train_file": _FILE, "validation_file": _FILE, "test_file": _FILE,
                        "name": {"type": "string"},
                        "input_template": {"type": "string", "example": "premise: {premise} hypothesis: {hypothesis}"},
                        "text_column": {"type": "string", "description": "instead of input_template"},
                        "label_column": {"type": "string"},
                        "label_map": {"type": "string", "description": "JSON object raw label -> label words",
                                      "example": '{"0": "negative", "1": "positive"}'},
                        "task_kind": {"type": "string", "enum": ["classification", "generation"],
                                      "description": "detected when left out"},
                        "validation_ratio": {"type": "number", "default": 0.1},
                        "test_ratio": {"type": "number", "default": 0.1},
                        "seed": {"type": "integer", "default": 42},
                        "split_column": {"type": "string"},
                    }}}}},
                "responses": {
                    "201": {"description": "Created and ready", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Dataset"}}}},
                    "400": error_ref("The upload or the mapping was refused; details name file, row and column"),
                    "413": error_ref("The upload is over UPLOAD_MAX_BYTES (refused before it is read)"),
                    "401": COMMON_RESPONSES["401"],
                },
            },
        },
        "/datasets/{id}/": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"tags": ["datasets"], "summary": "One dataset",
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Dataset"}}}}, **COMMON_RESPONSES}},
            "delete": {"tags": ["datasets"], "summary": "Delete a dataset and its files",
                       "responses": {"204": {"description": "Deleted"},
                                     "409": error_ref("A tuning job uses the dataset"), **COMMON_RESPONSES}},
        },
    },
}
