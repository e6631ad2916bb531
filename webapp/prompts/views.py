from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from webapp.basemodels.services import RANDOM_WEIGHTS_NOTICE, local_source
from webapp.lib import media
from webapp.lib.http import NotHere, refused_or_done
from webapp.lib.media_cache import CorruptCopy
from webapp.prompts.forms import EvaluateVersionForm, PredictionFilterForm, RenamePromptForm, VersionNotesForm
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.predictions import label_options, select_predictions
from webapp.prompts.queries import (
    best_version,
    config_rows,
    confusion_table,
    init_label,
    lineage,
    one_label_answer,
    validation_headline,
)
from webapp.prompts.services import (
    PromptNameTaken,
    VersionInUse,
    delete_version,
    get_prompt_for_user,
    get_version_for_user,
    rename_prompt,
    update_version_notes,
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    prompts = [prompt for prompt in Prompt.objects.for_user(request.user).select_related("base_model")
               .prefetch_related("versions__eval_runs__dataset", "versions__job__dataset", "jobs")
               # A name whose jobs all ended without a version has nothing to show (cancelled while queued).
               if prompt.versions.all() or any(job.is_active for job in prompt.jobs.all())]
    rows = []
    for prompt in prompts:
        latest = prompt.versions.all()[0] if prompt.versions.all() else None
        best = best_version(prompt.versions.all())
        rows.append((prompt, latest, latest and validation_headline(latest), best, best and validation_headline(best)))
    return render(request, "prompts/index.html", {"rows": rows})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = get_prompt_for_user(request.user, pk)
    versions = list(prompt.versions.select_related("job", "parent", "job__dataset").prefetch_related("eval_runs"))
    best = best_version(versions)
    return render(request, "prompts/detail.html", {
        "prompt": prompt, "versions": versions, "best": best, "latest": versions[0] if versions else None,
        "best_headline": validation_headline(best) if best else None,
        "random_weights_notice": RANDOM_WEIGHTS_NOTICE,
    })


def evaluate_initial(version: PromptVersion) -> dict[str, Any]:
    """The evaluate form's first choice: the dataset the version was trained on."""
    return {"dataset": version.job.dataset_id} if version.job else {}


def versions_of(request: HttpRequest) -> Any:
    return PromptVersion.objects.for_user(request.user).select_related(
        "prompt", "base_model", "parent", "parent__prompt", "job", "job__dataset")


def version_page(request: HttpRequest, version: PromptVersion, *, notes_form: VersionNotesForm | None = None,
                  rename_form: RenamePromptForm | None = None, evaluate_form: EvaluateVersionForm | None = None,
                  status: int = 200) -> HttpResponse:
    ancestors, tree = lineage(version, request.user)
    job = version.job
    return render(request, "prompts/version.html", {
        "version": version, "prompt": version.prompt, "job": job,
        "init_label": init_label(version),
        "ancestors": ancestors, "tree": tree,
        "config_rows": config_rows(version),
        "charts": job.training_charts() if job else None,
        "eval_runs": version.eval_runs.select_related("dataset", "ensemble", "job").order_by("split", "-created_at"),
        "headline": validation_headline(version),
        "notes_form": notes_form or VersionNotesForm(initial={"notes": version.notes, "tags": ", ".join(version.tags)}),
        "rename_form": rename_form or RenamePromptForm(initial={"name": version.prompt.name}),
        "filename": _download_name(version, ""),
        "random_weights_notice": RANDOM_WEIGHTS_NOTICE,
        "evaluate_form": evaluate_form or EvaluateVersionForm(user=request.user, initial=evaluate_initial(version)),
        "evaluation_jobs": version.child_jobs.evaluations().select_related("dataset").order_by("-pk")[:10],
    }, status=status)


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return version_page(request, get_object_or_404(versions_of(request), pk=pk))


@login_required
@require_POST
def version_notes(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(versions_of(request), pk=pk)
    form = VersionNotesForm(request.POST)
    if not form.is_valid():
        return version_page(request, version, notes_form=form, status=400)
    update_version_notes(version, notes=form.cleaned_data["notes"], tags=form.cleaned_data["tags"])
    messages.success(request, f"Saved notes and tags of {version}")
    return redirect("prompts:version", pk=version.pk)


@login_required
@require_POST
def version_rename(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(versions_of(request), pk=pk)
    form = RenamePromptForm(request.POST)
    if form.is_valid():
        try:
            rename_prompt(version.prompt, form.cleaned_data["name"])
        except PromptNameTaken as exc:
            form.add_error("name", str(exc))
    if form.errors:
        return version_page(request, version, rename_form=form, status=400)
    messages.success(request, f"Renamed the prompt to {version.prompt.name}")
    return redirect("prompts:version", pk=version.pk)


@login_required
@require_POST
def version_delete(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(versions_of(request), pk=pk)
    return refused_or_done(request, lambda: delete_version(version), VersionInUse,
                           back=redirect("prompts:version", pk=version.pk),
                           then=redirect("prompts:detail", pk=version.prompt_id), done=f"Deleted {version} and its files")


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    return version_file_response(get_version_for_user(request.user, pk))


@login_required
def download_npy(request: HttpRequest, pk: int) -> FileResponse:
    return version_npy_response(get_version_for_user(request.user, pk))


@login_required
def download_peft(request: HttpRequest, pk: int) -> FileResponse:
    return version_peft_response(get_version_for_user(request.user, pk))


def version_peft_response(version: PromptVersion) -> FileResponse:
    """A zip of the PEFT prompt-tuning adapter (adapter_config.json, adapter_model.safetensors),
    built from the base model's config.json alone: no model is loaded in a web request."""
    import zipfile

    from transformers import AutoConfig

    from tuning_core.export import T5Shape, load_prompt, peft_adapter_files

    path = _local_tensor(version)
    source = version.base_model.source
    try:
        config = AutoConfig.from_pretrained(local_source(version.base_model, fetch=False), local_files_only=True)
    except OSError:
        raise NotHere(f"The base model's config.json ({source}) is not on this server") from None
    prompt, _ = load_prompt(path)
    # The adapter names the model as whoever downloads it loads it: by hub id, or by its name here.
    shape = T5Shape(source=version.base_model.hub_id or version.base_model.name, d_model=int(config.d_model),
                    num_heads=int(config.num_heads), num_layers=int(config.num_layers))
    trained = version.job.prompt_config if version.job else {}
    files = peft_adapter_files(prompt, shape, init=version.init, label_words=trained.get("label_words") or ())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{_download_name(version, '-peft')}/{name}", content)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=_download_name(version, "-peft.zip"),
                        content_type="application/zip")


def _download_name(version: PromptVersion, suffix: str) -> str:
    return f"{version.prompt.name}-v{version.version}{suffix}".replace("/", "_").replace('"', "")


def _local_tensor(version: PromptVersion) -> Path:
    try:
        return version.local_tensor()
    except FileNotFoundError:
        raise NotHere("The prompt file is missing from storage") from None
    except CorruptCopy as exc:  # the stored bytes are not those recorded: never serve them
        raise NotHere(str(exc)) from None


def version_file_response(version: PromptVersion) -> FileResponse:
    # Streamed from storage (the bucket, in S3 mode) behind the caller's owner check: no URL to
    # the object ever leaves the server, so a stranger has nothing to replay.
    try:
        stream = media.open_stored(version.tensor_file)
    except FileNotFoundError:
        raise NotHere("The prompt file is missing from storage") from None
    response = FileResponse(stream, as_attachment=True, filename=_download_name(version, ".safetensors"),
                            content_type="application/octet-stream")
    response["X-Content-SHA256"] = version.sha256
    return response


def version_npy_response(version: PromptVersion) -> FileResponse:
    """The same (p, d) float32 matrix as a NumPy .npy file, converted as it is read."""
    import numpy as np
    from safetensors.numpy import load_file

    from tuning_core.export import TENSOR_NAME

    path = _local_tensor(version)
    buffer = io.BytesIO()
    np.save(buffer, load_file(str(path))[TENSOR_NAME])
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=_download_name(version, ".npy"),
                        content_type="application/octet-stream")


@login_required
def evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        EvalRun.objects.for_user(request.user).select_related("prompt_version__prompt", "dataset"), pk=pk)
    gold_labels, predicted_labels = label_options(run)
    form = PredictionFilterForm(request.GET, gold_labels=gold_labels, predicted_labels=predicted_labels)
    page = select_predictions(run, form.to_filter())
    metrics = run.metrics or {}
    per_class = metrics.get("per_class") if isinstance(metrics.get("per_class"), dict) else None
    return render(request, "prompts/evaluation.html", {
        "run": run, "version": run.prompt_version, "form": form, "page": page,
        "generation": run.mode == EvalRun.Mode.GENERATE,
        "per_class": list(per_class.items()) if per_class else [],
        "confusion": confusion_table(metrics),
        "one_label": one_label_answer(metrics),
    })
