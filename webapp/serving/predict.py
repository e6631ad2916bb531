"""Predict calls: a version or an ensemble and the caller's inputs in, labels and scores out.

Each input goes through the input template of the dataset the version was trained on, and is
scored against that dataset's label words, exactly as evaluation does; the prediction server
(see `webapp.serving`) answers. An ensemble's members are scored in the same call and vote by the
ensemble's rule (`tuning_core.ensemble.vote`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from django.conf import settings

from tuning_core.data import cell_text, render_template, template_fields
from tuning_core.ensemble import Voting, vote
from webapp.ensembles.models import Ensemble
from webapp.jobs.evaluations import DEFAULT_MAX_INPUT_LENGTH, DEFAULT_MAX_TARGET_LENGTH
from webapp.prompts.models import PromptVersion
from webapp.serving.queue import Part, ask

Input = Mapping[str, Any]  # {"text": ...} or {column: value, ...}


class PredictError(Exception):
    """A call that cannot be answered as asked; `field` names the request field to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class VersionSetup:
    """How a version reads inputs and answers, from the training job that made it."""

    tensor_file: str
    template: str
    labels: list[str] | None  # None: a generation prompt
    max_input_length: int
    max_target_length: int
    precision: str


def version_setup(version: PromptVersion) -> VersionSetup:
    job = version.job
    if job is None:
        raise PredictError(f"{version} has lost the training job that holds its input template and labels")
    config = job.train_config or {}
    dataset = job.dataset
    return VersionSetup(
        tensor_file=version.tensor_file,
        template=dataset.input_template,
        labels=list(dataset.label_words) if dataset.task_kind == "classification" else None,
        max_input_length=config.get("max_input_length", DEFAULT_MAX_INPUT_LENGTH),
        max_target_length=config.get("max_target_length", DEFAULT_MAX_TARGET_LENGTH),
        precision=config.get("precision", "auto"),
    )


def check_inputs(inputs: Sequence[Input]) -> None:
    limit = settings.PREDICT_MAX_INPUTS
    if not inputs:
        raise PredictError("Send at least one input", field="inputs")
    if len(inputs) > limit:
        raise PredictError(f"At most {limit} inputs per call; {len(inputs)} sent. Split them over several calls.",
                           field="inputs")


def render_inputs(template: str, inputs: Sequence[Input]) -> list[str]:
    """Each input through the template. {"text": ...} fills a template of one column whatever its
    name; otherwise every column of the template must be given."""
    fields = list(dict.fromkeys(template_fields(template)))
    rendered = []
    for i, values in enumerate(inputs):
        if set(values) == {"text"} and len(fields) == 1:
            values = {fields[0]: values["text"]}
        missing = [f for f in fields if f not in values]
        if missing:
            raise PredictError(
                f"inputs[{i}] lacks {', '.join(repr(f) for f in missing)}: the input template {template!r} "
                f"reads the columns {', '.join(fields)}", field=f"inputs.{i}")
        text = render_template(template, {k: cell_text(v) for k, v in values.items()})
        if len(text) > settings.PREDICT_MAX_INPUT_CHARS:
            raise PredictError(f"inputs[{i}] is {len(text):,} characters through the template; at most "
                               f"{settings.PREDICT_MAX_INPUT_CHARS:,}", field=f"inputs.{i}")
        rendered.append(text)
    return rendered


def _part(setups: Sequence[VersionSetup], texts: list[str]) -> Part:
    first = setups[0]
    return {"prompts": [s.tensor_file for s in setups], "texts": texts, "labels": first.labels,
            "max_input_length": first.max_input_length, "max_target_length": first.max_target_length}


def _label_scores(row: list[float], labels: list[str]) -> list[dict[str, Any]]:
    probabilities = torch.tensor(row).softmax(0).tolist()
    scores = [{"label": label, "probability": p, "log_likelihood": ll}
              for label, p, ll in zip(labels, probabilities, row)]
    return sorted(scores, key=lambda s: -s["probability"])


def predict_version(version: PromptVersion, inputs: Sequence[Input], *, return_scores: bool = True) -> dict[str, Any]:
    check_inputs(inputs)
    setup = version_setup(version)
    texts = render_inputs(setup.template, inputs)
    reply = ask(version.base_model.source, setup.precision, [_part([setup], texts)])
    answer = reply["parts"][0]
    predictions = []
    for i, text in enumerate(texts):
        if setup.labels is None:
            predictions.append({"input": text, "label": None, "text": answer["texts"][0][i], "scores": None})
            continue
        row = answer["scores"][0][i]
        best = max(range(len(row)), key=lambda j: (row[j], -j))
        predictions.append({"input": text, "label": setup.labels[best], "text": None,
                            "scores": _label_scores(row, setup.labels) if return_scores else None})
    return {"version": version.pk, "labels": setup.labels, "predictions": predictions}


def predict_ensemble(ensemble: Ensemble, inputs: Sequence[Input], *, return_scores: bool = True) -> dict[str, Any]:
    check_inputs(inputs)
    members = ensemble.member_versions()
    setups = [version_setup(m) for m in members]
    labels = setups[0].labels
    if labels is None:
        raise PredictError(f"{ensemble} votes over generation prompts, which have no labels to vote on")
    # Members trained on different datasets may read inputs through different templates: one part each.
    by_template: dict[tuple[str, int, int], list[int]] = {}
    for k, s in enumerate(setups):
        by_template.setdefault((s.template, s.max_input_length, s.max_target_length), []).append(k)
    groups = list(by_template.values())
    rendered = [render_inputs(setups[g[0]].template, inputs) for g in groups]
    reply = ask(ensemble.base_model.source, setups[0].precision,
                [_part([setups[k] for k in g], texts) for g, texts in zip(groups, rendered)])
    scores = torch.empty(len(members), len(inputs), len(labels))  # (K, N, L) in member order
    for g, answer in zip(groups, reply["parts"]):
        scores[g] = torch.tensor(answer["scores"])
    voting = Voting(ensemble.voting)
    predictions = []
    for i in range(len(inputs)):
        winner, choices = vote(scores[:, i, :], voting)
        prediction: dict[str, Any] = {
            "input": rendered[0][i], "label": labels[winner],
            "votes": {label: choices.count(j) for j, label in enumerate(labels)},
            "members": [{"version": m.pk, "label": labels[c]} for m, c in zip(members, choices)],
            "scores": None,
        }
        if return_scores:
            mean = scores[:, i, :].log_softmax(dim=1).mean(dim=0)
            prediction["scores"] = [{"label": label, "probability": p}
                                    for label, p in sorted(zip(labels, mean.softmax(0).tolist()), key=lambda s: -s[1])]
        predictions.append(prediction)
    return {"ensemble": ensemble.pk, "voting": voting.value, "labels": labels, "predictions": predictions}
