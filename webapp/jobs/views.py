from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from webapp.basemodels.models import BaseModel
from webapp.basemodels.services import RANDOM_WEIGHTS_NOTICE
from webapp.jobs.forms import PROMPT_LENGTH_PRESETS, WIDE_FIELDS, JobFilterForm, JobLaunchForm, initial_from_job
from webapp.jobs.launch_hints import INPUT_CUT_TARGET, INPUT_CUT_WARNING, dataset_hints, speed_hints, version_labels
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import (
    AlreadyLaunched,
    JobInUse,
    JobLaunchError,
    cancel_job,
    delete_job,
    get_job_for_user,
    launch_job,
)
from webapp.lib.heartbeats import live_queues
from webapp.lib.http import refused_or_done, render_live


@login_required
def index(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    jobs = TuningJob.objects.for_user(request.user).select_related(
        "dataset", "base_model", "prompt", "result_version")
    if form.is_valid():
        if form.cleaned_data["status"]:
            jobs = jobs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["kind"]:
            jobs = jobs.filter(method=form.cleaned_data["kind"])
    return render_live(request, "jobs/index.html", "jobs-table", {"jobs": jobs[:200], "filter_form": form})


@login_required
def launch(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = JobLaunchForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                job = launch_job(request.user, form.to_request())
            except AlreadyLaunched as exc:
                messages.info(request, f"This form was sent before: it launched job {exc.job.pk}, shown here. "
                                       "Nothing new was launched.")
                return redirect("jobs:detail", pk=exc.job.pk)
            except JobLaunchError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, f"Job {job.pk} queued: training {job.prompt.name}")
                return redirect("jobs:detail", pk=job.pk)
    else:
        initial: dict[str, object] = {}
        if request.GET.get("from", "").isdigit():  # "launch again with changes" from that job
            initial = initial_from_job(get_job_for_user(request.user, int(request.GET["from"])))
        elif request.GET.get("dataset", "").isdigit():
            initial["dataset"] = int(request.GET["dataset"])
        form = JobLaunchForm(user=request.user, initial={**initial, "launch_key": uuid.uuid4()})
    hints = {
        "widths": {str(m.pk): m.d_model for m in BaseModel.objects.all()},
        "datasets": dataset_hints(form.fields["dataset"].queryset),
        "speeds": speed_hints(request.user),
        "version_labels": version_labels(form.fields["continue_from"].queryset),
        "input_cut_target": INPUT_CUT_TARGET, "input_cut_warning": INPUT_CUT_WARNING,
    }
    return render(request, "jobs/launch.html", {
        "form": form, "presets": PROMPT_LENGTH_PRESETS, "launch_hints": hints, "wide_fields": WIDE_FIELDS,
    })


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    # The reverse one-to-one raises a subclass of AttributeError when there is no version.
    version = getattr(job, "result_version", None)
    context = {
        "job": job,
        "version": version,
        # A training job's version was evaluated on its splits; an evaluation job made its own run.
        "eval_runs": list(version.eval_runs.order_by("split")) if version else list(job.eval_runs.all()),
        "log_entries": job.log_entries.all(),
        "charts": job.training_charts(),
        "random_weights_notice": RANDOM_WEIGHTS_NOTICE,
        # How many others share this job's passes; never who they are (they may be anyone's).
        "training_with": TuningJob.objects.training_with(job).count(),
        "waiting": waiting_for(job) if job.status == JobStatus.QUEUED else None,
        # As JSON, the form a script (and the API) reads them in.
        "every_setting": json.dumps({"prompt_config": job.prompt_config, "train_config": job.train_config},
                                    indent=2, sort_keys=True),
    }
    return render_live(request, "jobs/detail.html", "job-summary", context)


def waiting_for(job: TuningJob) -> dict[str, object]:
    """Why a queued job waits: its place in line, what runs ahead of it on which worker, and
    whether any worker consumes its queue at all."""
    queues = live_queues()
    return {"ahead": TuningJob.objects.queued_ahead_of(job).count(),
            "running": sorted(TuningJob.objects.running_on(job.queue).items()),
            "no_worker": queues is not None and job.queue not in queues}


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if not job.is_active:
        messages.error(request, f"Job {job.pk} already ended ({job.status}); nothing to cancel")
    else:
        job = cancel_job(job)
        # A running job shows "cancelling…" from its own state until the worker stops; a flash
        # saying so would outlive that moment and contradict the result.
        if job.status == "cancelled":
            messages.info(request, "Job cancelled")
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    return refused_or_done(request, lambda: delete_job(job), JobInUse, back=redirect("jobs:detail", pk=job.pk),
                           then=redirect("jobs:index"), done=f"Deleted job {pk}.")


@login_required
def base_models(request: HttpRequest) -> HttpResponse:
    return render(request, "jobs/base_models.html", {
        "base_models": BaseModel.objects.all(), "random_weights_notice": RANDOM_WEIGHTS_NOTICE,
    })
