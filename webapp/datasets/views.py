from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tuning_core.data import render_template
from tuning_core.errors import DataError
from tuning_core.task import TaskKind
from webapp.datasets import services, token_lengths
from webapp.datasets.browse import sample_rows
from webapp.datasets.charts import histogram_bars, label_bars
from webapp.datasets.forms import DetailQuery, DistributionQuery, MappingForm, RenameForm, UploadForm, label_map_text
from webapp.datasets.label_distribution import LabelDistribution, label_distribution
from webapp.datasets.models import SPLITS, Dataset, Upload, UploadStatus
from webapp.datasets.processing import MAX_CLASSES, SPLIT_DEFAULTS
from webapp.datasets.uploads import incoming, install_upload_handler, refused_problems
from webapp.lib.files import human_size
from webapp.lib.http import refused_or_done, render_live


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    datasets = Dataset.objects.for_user(request.user)
    waiting = Upload.objects.for_user(request.user).waiting()
    return render_live(request, "datasets/index.html", "dataset-list", {"datasets": datasets, "waiting": waiting})


# The upload handler must be in place before CSRF checking reads request.POST.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        install_upload_handler(request)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    problems: list[dict[str, Any]] = []
    if request.method == "POST":
        refused = refused_problems(request)
        form = UploadForm(request.POST, request.FILES)
        if refused:
            problems = [services.problem_dict(p) for p in refused]
        elif form.is_valid():
            try:
                staged = services.stage_upload(request.user, form.cleaned_data["name"] or "", incoming(request.FILES))
            except DataError as exc:
                problems = [services.problem_dict(p) for p in exc.problems]
            else:
                return redirect("datasets:upload_page", upload_id=staged.pk)
    else:
        form = UploadForm()
    status = 400 if problems or form.errors else 200
    return render(request, "datasets/upload.html", {"form": form, "problems": problems,
                                                    "limit": human_size(settings.UPLOAD_MAX_BYTES)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """One address for an upload's whole life: its mapping form (again, with the problems, when
    processing rejected it), then its progress, then the dataset it became."""
    upload = services.get_upload_for_user(request.user, upload_id)
    if upload.status == UploadStatus.DONE:
        if upload.dataset_id is None:
            messages.info(request, f"The dataset made from the upload {upload.name!r} was deleted.")
            return redirect("datasets:index")
        return redirect("datasets:detail", pk=upload.dataset_id)
    if upload.status == UploadStatus.PROCESSING:
        return render_live(request, "datasets/processing.html", "upload-status", {"upload": upload})
    return _mapping(request, upload)


def _mapping(request: HttpRequest, upload: Upload) -> HttpResponse:
    suggested = services.suggested_mapping(upload)
    form_kwargs: dict[str, Any] = {"columns": upload.columns, "single_file": upload.single_file,
                                   "label_values": upload.distinct}
    # A rejected upload's problems stay on show until the mapping is submitted again.
    problems: list[dict[str, Any]] = upload.problems
    if request.method == "POST":
        form = MappingForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_mapping(upload, form.mapping(data["label_map"], data["task_kind"], data["split_mode"]),
                                        name=data["name"])
            except DataError as exc:
                problems = [services.problem_dict(p) for p in exc.problems]
            else:
                return redirect("datasets:upload_page", upload_id=upload.pk)
    elif upload.mapping is not None:  # rejected in processing: the mapping as the user sent it
        initial = {**upload.mapping, "name": upload.name, "label_map": label_map_text(upload.mapping["label_map"])}
        form = MappingForm(initial=initial, **form_kwargs)
    else:
        distinct = upload.distinct(suggested["label_column"])
        initial = {**suggested, "name": upload.name, **asdict(SPLIT_DEFAULTS)}
        if suggested["task_kind"] == TaskKind.CLASSIFICATION and distinct:
            initial["label_map"] = label_map_text({v: v for v in distinct})
        form = MappingForm(initial=initial, **form_kwargs)
    template = form["input_template"].value() or suggested["input_template"]
    preview = [{"cells": [row.get(c, "") for c in upload.columns], "input": render_template(template, row)}
               for row in upload.first.scan.preview]
    # Distinct values per column let the page refill the label map when the label column changes.
    distinct_by_column = {c: (upload.distinct(c) or [])[:MAX_CLASSES] for c in upload.columns}
    return render(request, "datasets/mapping.html", {
        "upload": upload, "form": form, "preview": preview, "problems": problems,
        "rejected": bool(problems) and problems is upload.problems,
        "distinct_by_column": distinct_by_column, "preview_rows": upload.first.scan.preview,
        "distribution": _distribution(upload, {name: form[name].value() for name in DISTRIBUTION_FIELDS}),
    }, status=400 if problems or form.errors else 200)


DISTRIBUTION_FIELDS = ("label_column", "split_mode", "split_column")


def _distribution(upload: Upload, choices: dict[str, Any]) -> LabelDistribution:
    query = DistributionQuery(choices)
    data = query.cleaned_data if query.is_valid() else {}
    return label_distribution(upload, data.get("label_column") or "", data.get("split_mode") or "",
                              data.get("split_column") or "")


@login_required
@require_GET
def mapping_distribution(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """The mapping page's label table for the choices now in its form (asked for as they change)."""
    upload = services.get_upload_for_user(request.user, upload_id)
    return render(request, "datasets/mapping.html#label-distribution",
                  {"upload": upload, "distribution": _distribution(upload, request.GET.dict())})


@login_required
@require_POST
def discard(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    upload = services.get_upload_for_user(request.user, upload_id)
    return refused_or_done(request, lambda: services.discard_upload(upload), services.UploadBusy,
                           back=redirect("datasets:upload_page", upload_id=upload.pk), then=redirect("datasets:index"),
                           done="The upload was discarded.", level=messages.INFO)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = services.get_dataset_for_user(request.user, pk)
    models = token_lengths.tokenizer_choices()
    query = DetailQuery(request.GET, models=models)
    if not query.is_valid():
        query = DetailQuery({}, models=models)
        query.is_valid()
    params = query.cleaned_data
    split = params.get("split") or (dataset.available_splits or ["train"])[0]
    if split not in dataset.available_splits:
        split = dataset.available_splits[0]
    by_split = dataset.stats.get("label_counts_by_split", {})
    word_hist = dataset.stats.get("word_lengths")
    context: dict[str, Any] = {
        "dataset": dataset, "query": query, "rename_form": RenameForm(initial={"name": dataset.name}),
        "jobs": list(dataset.jobs.select_related("prompt").order_by("pk")),
        "split": split, "samples": sample_rows(dataset, split, params.get("q") or "", params.get("page") or 1),
        "label_chart": label_bars(dataset.label_counts) if dataset.label_counts else None,
        "label_rows": [(label, [by_split.get(s, {}).get(label, 0) for s in dataset.available_splits])
                       for label in dataset.labels],
        "word_chart": histogram_bars(word_hist, "words per input") if word_hist else None,
    }
    model_name = params.get("model")
    if model_name:
        context.update(_token_context(dataset, model_name, dict(models)[model_name],
                                      params.get("max_length") or token_lengths.DEFAULT_MAX_INPUT_LENGTH))
    return render_live(request, "datasets/detail.html", "dataset-detail", context)


def _token_context(dataset: Dataset, model_name: str, source: str, max_length: int) -> dict[str, Any]:
    entry = token_lengths.token_lengths(dataset, source, max_length)
    if entry is None:
        return {"token_unmeasured": True}
    if entry.get("status") == "measuring":
        return {"token_measuring": True}
    if entry.get("status") == "failed":
        return {"token_error": (
            f"Could not load the tokenizer of {model_name} from local files ({entry['error']}); "
            "a hub model is downloaded when a job first uses it")}
    return {"token_stats": entry,
            "token_chart": histogram_bars(entry["histogram"], f"tokens per input ({model_name})"),
            # Measured before targets were: such entries have no target histogram.
            "target_token_chart": (histogram_bars(entry["target_histogram"], f"tokens per target ({model_name})")
                                   if "target_histogram" in entry else None),
            "token_warning": token_lengths.truncation_warning(entry, model_name),
            "training_cuts": token_lengths.training_cuts(entry)}


@login_required
@require_POST
def measure_tokens(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = services.get_dataset_for_user(request.user, pk)
    models = token_lengths.tokenizer_choices()
    query = DetailQuery(request.POST, models=models)
    if not query.is_valid() or not query.cleaned_data["model"]:
        messages.error(request, "Choose a base model (and a max input length from 8 to 8192) to measure with.")
        return redirect("datasets:detail", pk=dataset.pk)
    model_name = query.cleaned_data["model"]
    max_length = query.cleaned_data["max_length"] or token_lengths.DEFAULT_MAX_INPUT_LENGTH
    token_lengths.request_token_lengths(dataset, dict(models)[model_name], max_length)
    return redirect(f"{reverse('datasets:detail', args=[dataset.pk])}?{urlencode({'model': model_name, 'max_length': max_length})}")


@login_required
@require_POST
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = services.get_dataset_for_user(request.user, pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        services.rename_dataset(dataset, form.cleaned_data["name"])
        messages.success(request, "Renamed.")
    else:
        messages.error(request, "Give the dataset a name (at most 200 characters).")
    return redirect("datasets:detail", pk=dataset.pk)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = services.get_dataset_for_user(request.user, pk)
    return refused_or_done(request, lambda: services.delete_dataset(dataset), services.DatasetInUse,
                           back=redirect("datasets:detail", pk=dataset.pk), then=redirect("datasets:index"),
                           done=f"Deleted {dataset.name!r}.")


@login_required
@require_GET
def download(request: HttpRequest, pk: int, split: str) -> StreamingHttpResponse:
    dataset = services.get_dataset_for_user(request.user, pk)
    if split not in SPLITS or not dataset.has_split(split):
        raise Http404("No such split")
    from webapp.datasets.browse import csv_lines

    response = StreamingHttpResponse(csv_lines(dataset, split), content_type="text/csv; charset=utf-8")
    # Our own filename: the dataset's name is user text and stays out of the header.
    response["Content-Disposition"] = f'attachment; filename="dataset-{dataset.pk}-{split}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
