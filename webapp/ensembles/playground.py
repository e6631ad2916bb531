"""The playground: typed inputs scored by chosen versions and ensembles, side by side.

The web side checks the choice, renders every line through each version's input template (so the
page shows what the model saw) and asks the prediction server (`webapp.serving`), which scores each
group of versions sharing a template and label set in one mixed-prompt pass: answers come in
a fraction of a second, never queued behind a training job. The run, with its results or what went
wrong, is stored so the page can show it again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tuning_core.voting import explain_vote, first_max, softmax
from webapp.basemodels.services import as_the_model_sees
from webapp.ensembles.models import Ensemble, PlaygroundRun
from webapp.ensembles.services import EnsembleError
from webapp.lib.prediction_calls import ServingError, ask
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
    rendered = [render_line(setup, line, line_number=i + 1, version=version) for i, line in enumerate(inputs)]
    return {
        "id": version.pk, "name": str(version), "tensor_file": setup.tensor_file, "sha256": setup.sha256,
        "kind": setup.kind, "labels": list(setup.labels or []), "template": setup.template,
        "rendered": rendered,
        # What the page shows as "the model saw": the input cut as the engine cuts it.
        "seen": [as_the_model_sees(version.base_model.source, text, setup.max_input_length) for text in rendered],
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


def run_playground(owner: Any, *, inputs: list[str], versions: Sequence[PromptVersion],
                   ensembles: Sequence[Ensemble]) -> PlaygroundRun:
    """Check the choice, render the inputs and score them now (the caller fetched everything for
    `owner`). The run is stored done, or failed saying why (e.g. no prediction server)."""
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
    run = PlaygroundRun.objects.create(owner=owner, base_model=first, inputs=inputs, targets=targets,
                                       status=PlaygroundRun.Status.RUNNING)
    try:
        results = playground_results(len(inputs), targets, _ask_server(first.source, scorers))
    except ServingError as exc:
        finish_playground(run.pk, results=None, error=str(exc))
    else:
        finish_playground(run.pk, results=results)
    run.refresh_from_db()
    return run


def _ask_server(source: str, scorers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each version's answer: {"scores": (N, L) log-likelihoods} or {"texts": N texts}. Versions
    reading the same rendered inputs with the same labels share a part (one row per prompt)."""
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for pk, plan in scorers.items():
        labels = tuple(plan["labels"]) if plan["kind"] == "classification" else None
        key = (plan["precision"], tuple(plan["rendered"]), labels, plan["max_input_length"], plan["max_target_length"])
        groups[key if labels is not None else (*key, pk)].append(pk)
    by_precision: dict[str, list[tuple[tuple[Any, ...], list[str]]]] = defaultdict(list)
    for key, pks in groups.items():
        by_precision[key[0]].append((key, pks))
    answers: dict[str, dict[str, Any]] = {}
    for precision, parts in by_precision.items():
        reply = ask(source, precision, [
            {"prompts": [scorers[pk]["tensor_file"] for pk in pks],
             "sha256s": [scorers[pk]["sha256"] for pk in pks], "texts": list(key[1]),
             "labels": None if key[2] is None else list(key[2]), "max_input_length": key[3],
             "max_target_length": key[4]} for key, pks in parts])
        for (_, pks), answer in zip(parts, reply["parts"]):
            for k, pk in enumerate(pks):
                answers[pk] = {"scores": answer["scores"][k]} if "scores" in answer else {"texts": answer["texts"][k]}
    return answers


def _probabilities(scores: list[float], labels: list[str]) -> dict[str, float]:
    return dict(zip(labels, softmax(scores), strict=True))


def playground_results(n_inputs: int, targets: dict[str, Any], answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the page shows: each chosen version's rows, and each ensemble's vote with its members' choices."""
    scorers: dict[str, dict[str, Any]] = targets["scorers"]

    def version_rows(pk: str) -> list[dict[str, Any]]:
        if "texts" in answers[pk]:
            return [{"text": text} for text in answers[pk]["texts"]]
        labels = scorers[pk]["labels"]
        return [{"predicted": labels[first_max(row)], "probabilities": _probabilities(row, labels)}
                for row in answers[pk]["scores"]]

    out_versions = [{"id": int(pk), "name": scorers[str(pk)]["name"], "kind": scorers[str(pk)]["kind"],
                     "rendered": _seen(scorers[str(pk)]), "rows": version_rows(str(pk))}
                    for pk in targets["versions"]]
    out_ensembles = []
    for ensemble in targets["ensembles"]:
        members = [str(pk) for pk in ensemble["members"]]
        labels = scorers[members[0]]["labels"]
        rows = []
        for i in range(n_inputs):
            outcome = explain_vote([answers[pk]["scores"][i] for pk in members], labels, ensemble["voting"])
            rows.append({"predicted": outcome.winner, "votes": outcome.votes, "probabilities": outcome.probabilities,
                         "members": [{"name": scorers[pk]["name"], "predicted": label}
                                     for pk, label in zip(members, outcome.member_labels)]})
        out_ensembles.append({"id": ensemble["id"], "name": ensemble["name"], "voting": ensemble["voting"],
                              "rendered": _seen(scorers[members[0]]), "rows": rows})
    return {"versions": out_versions, "ensembles": out_ensembles}


def _seen(scorer: dict[str, Any]) -> list[str]:
    return scorer.get("seen") or scorer["rendered"]  # runs stored before "seen" was kept


def finish_playground(run_id: int, *, results: dict[str, Any] | None, error: str = "") -> None:
    """Store the results (or the failure) of a running run."""
    status = PlaygroundRun.Status.DONE if results is not None else PlaygroundRun.Status.FAILED
    PlaygroundRun.objects.filter(pk=run_id, status=PlaygroundRun.Status.RUNNING).update(
        status=status, results=results or {}, error_message=error, finished_at=timezone.now())


# Scoring 20 short inputs takes seconds even on a CPU: a run "running" this long lost the web
# process that asked for it.
STALE_RUNNING_AFTER = timedelta(minutes=10)


def settle_stale_playground_runs(now: Any = None) -> list[int]:
    """Runs whose asking process died while they were scored end as failed, saying so."""
    cutoff = (now or timezone.now()) - STALE_RUNNING_AFTER
    stale = list(PlaygroundRun.objects.filter(status=PlaygroundRun.Status.RUNNING, created_at__lt=cutoff)
                 .values_list("pk", flat=True))
    for run_id in stale:
        finish_playground(run_id, results=None,
                          error="Scoring stopped before it finished; score these inputs again")
    return stale
