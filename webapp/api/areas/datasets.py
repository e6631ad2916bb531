"""Datasets in the JSON API: list, create (upload + mapping in one request), read, delete; and the
upload a POST makes, read while a worker processes it.

A POST checks the files and the mapping, then answers 202 with the upload: a worker checks every
row, and `GET /uploads/{id}/` says how far it got, why it was rejected, or which dataset it made.
No web thread holds a large file's processing. With `wait=true` it is processed inline instead
and answers 201 with the dataset (for small files); a refused upload then stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tuning_core.errors import DataError
from webapp.api.errors import ApiError, problem_details
from webapp.api.schemas import Blankable, errors
from webapp.datasets import services
from webapp.datasets.forms import ApiDatasetForm, UploadForm
from webapp.datasets.models import Dataset, SplitMode, UploadStatus
from webapp.datasets.processing import SPLIT_DEFAULTS, detect_task_kind
from webapp.datasets.uploads import incoming, install_upload_handler, refused_problems

router = Router(tags=["datasets"])


class DatasetFile(Schema):
    role: str = Field(description="file, train, validation or test")
    name: str
    format: str
    size: int


class DatasetOut(Schema):
    id: int
    name: str
    status: Literal["ready"] = Field(description="always ready: a dataset exists once every row was accepted")
    task_kind: Literal["classification", "generation"]
    input_template: str
    label_column: str
    label_map: dict[str, str]
    labels: list[str]
    label_counts: dict[str, int]
    split_counts: dict[str, int] = Field(examples=[{"train": 8000, "validation": 1000, "test": 1000}])
    rows: int
    problems: list[dict[str, Any]] = Field(description="warnings found while processing")
    files: list[DatasetFile]
    created_at: datetime


class DatasetList(Schema):
    results: list[DatasetOut]


class DatasetFields(Schema):
    """The form fields of an upload; the files come as `file`, or `train_file` (+ `validation_file`, `test_file`)."""

    label_column: str
    name: str | None = None
    input_template: str | None = Field(None, examples=["premise: {premise} hypothesis: {hypothesis}"],
                                       description="`{column}` placeholders; or give text_column")
    text_column: str | None = Field(None, description="instead of input_template")
    label_map: str | None = Field(None, description="JSON object raw label -> label words",
                                  examples=['{"0": "negative", "1": "positive"}'])
    task_kind: Blankable[Literal["classification", "generation"]] = Field(None, description="detected when left out")
    split_mode: Blankable[Literal["files", "auto", "column"]] = Field(None, description="detected when left out")
    validation_ratio: Blankable[float] = Field(None, description=f"share of rows for validation (default {SPLIT_DEFAULTS.validation_ratio})")
    test_ratio: Blankable[float] = Field(None, description=f"share of rows for test (default {SPLIT_DEFAULTS.test_ratio})")
    seed: Blankable[int] = Field(None, description=f"of the automatic split (default {SPLIT_DEFAULTS.seed})")
    split_column: str | None = None
    wait: bool = Field(False, description="process inline and answer 201 with the dataset (small files only; "
                                          "default: answer 202 with the upload at once)")


class UploadOut(Schema):
    id: str = Field(description="32 hex digits")
    status: Literal["staged", "processing", "rejected", "done"]
    progress: str = Field(description="what processing is doing now")
    problems: list[dict[str, Any]] = Field(description="why it was rejected: file, line, column, message")
    dataset: DatasetOut | None = Field(description="the dataset it made, once done")
    status_url: str


def upload_json(request: HttpRequest, upload: Any) -> dict[str, Any]:
    return {"id": upload.key, "status": upload.status, "progress": upload.progress, "problems": upload.problems,
            "dataset": dataset_json(upload.dataset) if upload.dataset_id else None,
            "status_url": request.build_absolute_uri(f"/api/v1/uploads/{upload.key}/")}


def dataset_json(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": dataset.pk,
        "name": dataset.name,
        "status": "ready",
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
        "created_at": dataset.created_at,
    }


def _limit_uploads(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Install the size-limited upload handler before anything (auth's CSRF check too) reads the body.

    The handler stops reading at the oversized file, so the fields after it are missing and the
    schema's validation answers 400 first: that answer is the 413 it really is.
    """

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return run(request, *args, **kwargs)
        install_upload_handler(request)
        response = run(request, *args, **kwargs)
        if response.status_code == 400 and getattr(request, "refused_uploads", None):
            refused = refused_problems(request)
            return ApiError(413, str(refused[0].message), problem_details(refused)).response()
        return response

    return wrapper


router.add_decorator(_limit_uploads, mode="view")


@router.get("/datasets/", response={200: DatasetList, **errors()}, summary="Your datasets")
def list_datasets(request: HttpRequest) -> dict[str, Any]:
    return {"results": [dataset_json(d) for d in Dataset.objects.for_user(request.user)]}


@router.post(
    "/datasets/", response={202: UploadOut, 201: DatasetOut, **errors(400, 413)},
    summary="Upload, map and process a dataset",
    description="Either `file` (split automatically, or by `split_column`) or `train_file` with optional "
                "`validation_file` / `test_file`. CSV, TSV, JSONL, JSON array or Parquet, UTF-8. 202: the "
                "files and the mapping are accepted and a worker checks every row; poll `status_url` "
                "(GET /uploads/{id}/) until `done` (with the dataset) or `rejected` (with the problems). "
                "With `wait=true`: processed before answering, 201 with the dataset. 400: the upload or the "
                "mapping was refused, details name file, line and column; 413: over UPLOAD_MAX_BYTES, "
                "refused before it is read.",
)
def create_dataset(
    request: HttpRequest,
    fields: Form[DatasetFields],
    file: File[UploadedFile | None] = None,
    train_file: File[UploadedFile | None] = None,
    validation_file: File[UploadedFile | None] = None,
    test_file: File[UploadedFile | None] = None,
) -> Status:
    # The typed parameters describe the request; the Django forms keep the business rules
    # (one file or splits, template placeholders, the label map's JSON) the mapping page shares.
    refused = refused_problems(request)
    if refused:
        raise ApiError(413, str(refused[0].message), problem_details(refused))
    files_form = UploadForm(request.POST, request.FILES)
    if not files_form.is_valid():
        raise ApiError.from_form(files_form, "Send the data as `file`, or as `train_file` (with optional "
                                             "`validation_file` and `test_file`)")
    mapping_form = ApiDatasetForm(request.POST)
    if not mapping_form.is_valid():
        raise ApiError.from_form(mapping_form)
    data = mapping_form.cleaned_data
    try:
        upload = services.stage_upload(request.user, data.get("name") or "", incoming(request.FILES))
    except DataError as exc:
        raise ApiError(400, f"The upload was refused: {exc}", problem_details(exc.problems)) from None
    wait = fields.wait
    dataset, queued = None, False
    try:
        kind = detect_task_kind(upload.distinct(data["label_column"]), upload.rows)
        split = (SplitMode.FILES if not upload.single_file
                 else SplitMode.COLUMN if data.get("split_column") else SplitMode.AUTO)
        mapping = mapping_form.mapping(data["label_map"], kind, data.get("split_mode") or split)
        dataset = services.submit_mapping(upload, mapping, name=data.get("name") or None, inline=wait)
        queued = not wait
    except DataError as exc:
        raise ApiError(400, f"The data does not fit: {exc}", problem_details(exc.problems)) from None
    finally:
        if dataset is None and not queued:  # refused: the API keeps nothing of it
            services.discard_upload(upload)
    if queued:
        return Status(202, upload_json(request, upload))
    return Status(201, dataset_json(dataset))


def _upload_of(request: HttpRequest, upload_id: str) -> Any:
    try:
        key = uuid.UUID(hex=upload_id)
    except ValueError:
        raise ApiError(404, "Not found") from None
    return services.get_upload_for_user(request.user, key)


@router.get("/uploads/{upload_id}/", response={200: UploadOut, **errors(404)},
            summary="An upload being processed: its status, its problems, or its dataset")
def get_upload(request: HttpRequest, upload_id: str) -> dict[str, Any]:
    return upload_json(request, _upload_of(request, upload_id))


@router.delete("/uploads/{upload_id}/", response={204: None, **errors(404, 409)},
               summary="Discard an upload and its files",
               description="For an upload that was rejected (or never processed): its files go at once instead "
                           "of at the staging sweep. 409: a worker is checking it, or it made a dataset "
                           "(delete the dataset instead).")
def delete_upload(request: HttpRequest, upload_id: str) -> Status:
    upload = _upload_of(request, upload_id)
    if upload.status == UploadStatus.DONE and upload.dataset_id:
        raise ApiError(409, f"The upload made the dataset {upload.dataset_id}; delete that dataset instead "
                            f"(DELETE /api/v1/datasets/{upload.dataset_id}/)")
    try:
        services.discard_upload(upload)
    except services.UploadBusy as exc:
        raise ApiError(409, str(exc)) from None
    return Status(204, None)


@router.get("/datasets/{int:id}/", response={200: DatasetOut, **errors(404)}, summary="One dataset")
def get_dataset(request: HttpRequest, id: int) -> dict[str, Any]:
    return dataset_json(services.get_dataset_for_user(request.user, id))


@router.delete("/datasets/{int:id}/", response={204: None, **errors(404, 409)},
               summary="Delete a dataset and its files", description="409: a tuning job uses the dataset.")
def delete_dataset(request: HttpRequest, id: int) -> Status:
    dataset = services.get_dataset_for_user(request.user, id)
    try:
        services.delete_dataset(dataset)
    except services.DatasetInUse as exc:
        raise ApiError(409, str(exc)) from None
    return Status(204, None)
