"""The playground: typed inputs scored by chosen versions and ensembles, side by side.

The web side checks the choice and renders every line through each version's input template
(so the page shows what the model saw), stores a PlaygroundRun and sends it to a GPU worker,
which scores each group of versions sharing a template and label set in one mixed-prompt pass
(`tuning_core.ensemble.score_texts`) and writes the results back here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webapp.ensembles.models import Ensemble, PlaygroundRun
from webapp.ensembles.services import EnsembleError
from webapp.lib.events import Event, publish, user_group
from webapp.lib.queue import TaskName, enqueue_on_commit, send_now, task_id
from webapp.prompts.inputs import InputError, VersionSetup, render_input, version_setup
from webapp.prompts.models import PromptVersion

MAX_INPUTS = 20
MAX_INPUT_CHARS = 2000
MAX_TARGETS = 8


class PlaygroundError(EnsembleError):
    pass


def render_line(setup: VersionSetup, line: str, *, line_number: int, version: PromptVersion) -> str:
    """`line` through the version's template: the text itself for a one-column template, a JSON
    object with every column otherwise."""
    try:
        columns = setup.columns
    except InputError as exc:
        raise PlaygroundError(str(exc), field="versions") from None
    values: Any = {"text": line}
    if len(columns) > 1:
        try:
            values = json.loads(line)
        except ValueError:
            values = None
    rendered = render_input(setup, values) if isinstance(values, dict) else None
    if rendered is None:
        raise PlaygroundError(
            f"Line {line_number}: {version}'s template {setup.template!r} needs the columns {', '.join(columns)}; "
            'type that line as a JSON object such as {' + ", ".join(f'"{c}": "…"' for c in columns) + "}",
            field="inputs")
    return rendered


def _plan(version: PromptVersion, inputs: Sequence[str]) -> dict[str, Any]:
    try:
        setup = version_setup(version)
    except InputError as exc:
        raise PlaygroundError(str(exc), field="versions") from None
    return {
        "id": version.pk, "name": str(version), "tensor_file": setup.tensor_file,
        "kind": setup.kind, "labels": list(setup.labels or []), "template": setup.template,
        "rendered": [render_line(setup, line, line_number=i + 1, version=version) for i, line in enumerate(inputs)],
        "max_input_length": setup.max_input_length, "max_target_length": setup.max_target_length,
        "precision": setup.precision,
    }


def clean_inputs(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise PlaygroundError("Type at least one input, one per line", field="inputs")
    if len(lines) > MAX_INPUTS:
        raise PlaygroundError(f"At most {MAX_INPUTS} inputs at a time; {len(lines)} typed", field="inputs")
    for i, line in enumerate(lines, start=1):
        if len(line) > MAX_INPUT_CHARS:
            raise PlaygroundError(f"Line {i} is {len(line):,} characters; at most {MAX_INPUT_CHARS:,}", field="inputs")
    return lines


def start_playground(owner: Any, *, inputs: list[str], versions: Sequence[PromptVersion],
                     ensembles: Sequence[Ensemble]) -> PlaygroundRun:
    """Check the choice, render the inputs and queue the run (the caller fetched everything for `owner`)."""
    if not versions and not ensembles:
        raise PlaygroundError("Choose at least one version or ensemble", field="versions")
    if len(versions) + len(ensembles) > MAX_TARGETS:
        raise PlaygroundError(f"At most {MAX_TARGETS} versions and ensembles at a time", field="versions")
    first = versions[0].base_model if versions else ensembles[0].base_model
    chosen: list[Any] = [*versions, *ensembles]
    for thing in chosen:
        if thing.base_model_id != first.pk:
            raise PlaygroundError(f"{thing} runs on {thing.base_model.name}, but the first choice runs on "
                                  f"{first.name}: one playground run uses one base model", field="versions")
    scorers: dict[str, dict[str, Any]] = {}
    for version in versions:
        scorers[str(version.pk)] = _plan(version, inputs)
    ensemble_plans = []
    for ensemble in ensembles:
        members = ensemble.member_versions()
        for member in members:
            scorers.setdefault(str(member.pk), _plan(member, inputs))
        ensemble_plans.append({"id": ensemble.pk, "name": ensemble.name, "voting": ensemble.voting,
                               "members": [m.pk for m in members]})
    targets = {"versions": [v.pk for v in versions], "ensembles": ensemble_plans, "scorers": scorers}
    with transaction.atomic():
        run = PlaygroundRun.objects.create(owner=owner, base_model=first, inputs=inputs, targets=targets)
        enqueue_on_commit(TaskName.PLAYGROUND, run.pk, queue=settings.CELERY_GPU_QUEUE)
    return run


def claim_playground(run_id: int) -> PlaygroundRun | None:
    """The queued run for this worker, or None (a duplicate delivery, or gone)."""
    if PlaygroundRun.objects.filter(pk=run_id, status=PlaygroundRun.Status.QUEUED).update(
            status=PlaygroundRun.Status.RUNNING) != 1:
        return None
    return PlaygroundRun.objects.select_related("base_model").get(pk=run_id)


def finish_playground(run_id: int, *, results: dict[str, Any] | None, error: str = "") -> None:
    """Store the results (or the failure) and tell the owner's pages."""
    status = PlaygroundRun.Status.DONE if results is not None else PlaygroundRun.Status.FAILED
    PlaygroundRun.objects.filter(pk=run_id, status=PlaygroundRun.Status.RUNNING).update(
        status=status, results=results or {}, error_message=error, finished_at=timezone.now())
    owner_id = PlaygroundRun.objects.filter(pk=run_id).values_list("owner_id", flat=True).first()
    if owner_id is not None:
        publish(user_group(owner_id), Event(kind="playground.done", data={"id": run_id, "status": status}))


def resend_lost_playground_runs(waiting: set[str], older_than: timedelta) -> list[int]:
    """Queued runs older than `older_than` whose message is in no queue: send them again (claiming
    is atomic, so a duplicate does nothing)."""
    cutoff = timezone.now() - older_than
    resent = []
    for run_id in PlaygroundRun.objects.filter(status=PlaygroundRun.Status.QUEUED, created_at__lt=cutoff) \
            .order_by("pk").values_list("pk", flat=True):
        if task_id(TaskName.PLAYGROUND, run_id) not in waiting and send_now(
                TaskName.PLAYGROUND, run_id, queue=settings.CELERY_GPU_QUEUE):
            resent.append(run_id)
    return resent


# Scoring 20 short inputs takes seconds even on a CPU: a run "running" this long lost its worker.
STALE_RUNNING_AFTER = timedelta(minutes=10)


def settle_stale_playground_runs(now: Any = None) -> list[int]:
    """Runs whose worker died while scoring them end as failed, saying so (the page stops waiting)."""
    cutoff = (now or timezone.now()) - STALE_RUNNING_AFTER
    stale = list(PlaygroundRun.objects.filter(status=PlaygroundRun.Status.RUNNING, created_at__lt=cutoff)
                 .values_list("pk", flat=True))
    for run_id in stale:
        finish_playground(run_id, results=None,
                          error="The worker stopped while scoring these inputs; score them again")
    return stale
