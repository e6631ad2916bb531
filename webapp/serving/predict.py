"""Predict calls: a version or an ensemble and the caller's inputs in, labels and scores out.

Each input goes through the input template of the dataset the version was trained on, and is
scored against that dataset's label words, exactly as evaluation does; the prediction server
(see `webapp.serving`) answers. An ensemble's members are scored in the same call and vote by the
ensemble's rule (`tuning_core.ensemble.vote`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from tuning_core.voting import Voting, explain_vote, first_max, softmax
from webapp.ensembles.models import Ensemble
from webapp.lib.prediction_calls import Part, ask
from webapp.prompts.inputs import InputError, VersionSetup, render_input, version_setup
from webapp.prompts.models import PromptVersion

Input = Mapping[str, Any]  # {"text": ...} or {column: value, ...}


def check_inputs(inputs: Sequence[Input]) -> None:
    limit = settings.PREDICT_MAX_INPUTS
    if not inputs:
        raise InputError("Send at least one input", field="inputs")
    if len(inputs) > limit:
        raise InputError(f"At most {limit} inputs per call; {len(inputs)} sent. Split them over several calls.",
                         field="inputs")


def render_inputs(setup: VersionSetup, inputs: Sequence[Input]) -> list[str]:
    """Each input through the version's template, refusing missing columns and long texts."""
    rendered = []
    for i, values in enumerate(inputs):
        text = render_input(setup, values)
        if text is None:
            raise InputError(
                f"inputs[{i}] lacks {', '.join(repr(c) for c in setup.columns if c not in values)}: the input "
                f"template {setup.template!r} reads the columns {', '.join(setup.columns)}", field=f"inputs.{i}")
        if len(text) > settings.PREDICT_MAX_INPUT_CHARS:
            raise InputError(f"inputs[{i}] is {len(text):,} characters through the template; at most "
                             f"{settings.PREDICT_MAX_INPUT_CHARS:,}", field=f"inputs.{i}")
        rendered.append(text)
    return rendered


def _part(setups: Sequence[VersionSetup], texts: list[str]) -> Part:
    first = setups[0]
    return {"prompts": [s.tensor_file for s in setups], "sha256s": [s.sha256 for s in setups], "texts": texts,
            "labels": first.labels,
            "max_input_length": first.max_input_length, "max_target_length": first.max_target_length}


def _label_scores(row: list[float], labels: list[str]) -> list[dict[str, Any]]:
    scores = [{"label": label, "probability": p, "log_likelihood": ll}
              for label, p, ll in zip(labels, softmax(row), row, strict=True)]
    return sorted(scores, key=lambda s: -s["probability"])


def predict_version(version: PromptVersion, inputs: Sequence[Input], *, return_scores: bool = True) -> dict[str, Any]:
    check_inputs(inputs)
    setup = version_setup(version)
    texts = render_inputs(setup, inputs)
    reply = ask(version.base_model.source, setup.precision, [_part([setup], texts)])
    answer = reply["parts"][0]
    predictions = []
    for i, text in enumerate(texts):
        if setup.labels is None:
            predictions.append({"input": text, "label": None, "text": answer["texts"][0][i], "scores": None})
            continue
        row = answer["scores"][0][i]
        predictions.append({"input": text, "label": setup.labels[first_max(row)], "text": None,
                            "scores": _label_scores(row, setup.labels) if return_scores else None})
    return {"version": version.pk, "labels": setup.labels, "predictions": predictions}


def predict_ensemble(ensemble: Ensemble, inputs: Sequence[Input], *, return_scores: bool = True) -> dict[str, Any]:
    check_inputs(inputs)
    members = ensemble.member_versions()
    setups = [version_setup(m) for m in members]
    labels = setups[0].labels
    if labels is None:
        raise InputError(f"{ensemble} votes over generation prompts, which have no labels to vote on")
    # Members trained on different datasets may read inputs through different templates: one part each.
    by_template: dict[tuple[str, int, int], list[int]] = {}
    for k, s in enumerate(setups):
        by_template.setdefault((s.template, s.max_input_length, s.max_target_length), []).append(k)
    groups = list(by_template.values())
    rendered = [render_inputs(setups[g[0]], inputs) for g in groups]
    reply = ask(ensemble.base_model.source, setups[0].precision,
                [_part([setups[k] for k in g], texts) for g, texts in zip(groups, rendered)])
    scores: list[list[list[float]]] = [[] for _ in members]  # (K, N, L) in member order
    for g, answer in zip(groups, reply["parts"]):
        for k, member_scores in zip(g, answer["scores"], strict=True):
            scores[k] = member_scores
    voting = Voting(ensemble.voting)
    predictions = []
    for i in range(len(inputs)):
        outcome = explain_vote([member[i] for member in scores], labels, voting)
        predictions.append({
            "input": rendered[0][i], "label": outcome.winner, "votes": outcome.votes,
            "members": [{"version": m.pk, "label": label} for m, label in zip(members, outcome.member_labels)],
            "scores": [{"label": label, "probability": p} for label, p in
                       sorted(outcome.probabilities.items(), key=lambda kv: -kv[1])] if return_scores else None,
        })
    return {"ensemble": ensemble.pk, "voting": voting.value, "labels": labels, "predictions": predictions}
