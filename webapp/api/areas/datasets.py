"""Datasets in the JSON API: list, create (upload + mapping in one request), read, delete.

A POST is processed inline, so it answers with the row counts and labels, or with 400 and every
problem found; a refused upload stores nothing.
"""

from __future__ import annotations

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
from webapp.datasets.models import Dataset, SplitMode
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
    "/datasets/", response={201: DatasetOut, **errors(400, 413)},
    summary="Upload, map and process a dataset",
    description="Either `file` (split automatically, or by `split_column`) or `train_file` with optional "
                "`validation_file` / `test_file`. CSV, TSV, JSONL, JSON array or Parquet, UTF-8. Processed "
                "before answering. 400: the upload or the mapping was refused, details name file, line and "
                "column; 413: over UPLOAD_MAX_BYTES, refused before it is read.",
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
    dataset = None
    try:
        kind = detect_task_kind(upload.distinct(data["label_column"]), upload.rows)
        split = (SplitMode.FILES if not upload.single_file
                 else SplitMode.COLUMN if data.get("split_column") else SplitMode.AUTO)
        mapping = mapping_form.mapping(data["label_map"], kind, data.get("split_mode") or split)
        dataset = services.submit_mapping(upload, mapping, name=data.get("name") or None, inline=True)
    except DataError as exc:
        raise ApiError(400, f"The data does not fit: {exc}", problem_details(exc.problems)) from None
    finally:
        if dataset is None:  # refused: the API keeps nothing of it
            services.discard_upload(upload)
    return Status(201, dataset_json(dataset))


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
