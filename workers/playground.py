"""The worker side of the playground: score typed inputs with versions and ensembles."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
from django.conf import settings

from tuning_core.data import tokenize
from tuning_core.ensemble import Voting, score_texts, vote
from tuning_core.errors import TuningError
from tuning_core.evaluate import generate_texts
from tuning_core.export import load_prompt
from webapp.ensembles.playground import claim_playground, finish_playground
from workers.model_pool import get_pool

logger = logging.getLogger(__name__)


def _probabilities(scores: Any, labels: list[str]) -> dict[str, float]:
    return dict(zip(labels, scores.softmax(dim=0).tolist()))


def run_playground(run_id: int) -> None:
    run = claim_playground(run_id)
    if run is None:
        return
    try:
        results = _score(run.base_model.source, run.inputs, run.targets)
    except Exception as exc:
        if not isinstance(exc, TuningError):
            logger.exception("playground run %s failed", run_id)
        finish_playground(run_id, results=None, error=f"{exc.__class__.__name__}: {exc}")
        return
    finish_playground(run_id, results=results)


def _score(source: str, inputs: list[str], targets: dict[str, Any]) -> dict[str, Any]:
    base = get_pool().get(source).base
    scorers: dict[str, dict[str, Any]] = targets["scorers"]
    prompts = {pk: load_prompt(Path(settings.MEDIA_ROOT) / plan["tensor_file"], base=base)[0]
               for pk, plan in scorers.items()}
    scores: dict[str, Any] = {}  # version id -> (N, L) label log-likelihoods
    texts: dict[str, list[str]] = {}  # version id -> generated texts
    # Versions reading the same rendered inputs with the same labels share one mixed-prompt pass.
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for pk, plan in scorers.items():
        if plan["kind"] == "classification":
            groups[(tuple(plan["rendered"]), tuple(plan["labels"]), plan["max_input_length"],
                    plan["max_target_length"], plan["precision"])].append(pk)
        else:
            data = {"input_text": plan["rendered"], "target_text": [""] * len(inputs)}
            tokenized = tokenize(data, base.tokenizer, max_input_length=plan["max_input_length"],
                                 max_target_length=plan["max_target_length"])
            texts[pk] = generate_texts(base, prompts[pk], tokenized, max_new_tokens=plan["max_target_length"],
                                       precision=plan["precision"])
    for (rendered, labels, max_input, max_target, precision), pks in groups.items():
        together = score_texts(base, [prompts[pk] for pk in pks], list(rendered), list(labels),
                               max_input_length=max_input, max_target_length=max_target, precision=precision)
        for k, pk in enumerate(pks):
            scores[pk] = together[k]

    def version_rows(pk: str) -> list[dict[str, Any]]:
        plan = scorers[pk]
        if pk in texts:
            return [{"text": text} for text in texts[pk]]
        labels = plan["labels"]
        return [{"predicted": labels[int(row.argmax())], "probabilities": _probabilities(row, labels)}
                for row in scores[pk]]

    out_versions = [{"id": int(pk), "name": scorers[str(pk)]["name"], "kind": scorers[str(pk)]["kind"],
                     "rendered": scorers[str(pk)]["rendered"], "rows": version_rows(str(pk))}
                    for pk in targets["versions"]]
    out_ensembles = []
    for ensemble in targets["ensembles"]:
        members = [str(pk) for pk in ensemble["members"]]
        labels = scorers[members[0]]["labels"]
        stacked = torch.stack([scores[pk] for pk in members])  # (K, N, L)
        rows = []
        for i in range(len(inputs)):
            winner, choices = vote(stacked[:, i, :], Voting(ensemble["voting"]))
            counts = {label: 0 for label in labels}
            for c in choices:
                counts[labels[c]] += 1
            mean = stacked[:, i, :].log_softmax(dim=1).mean(dim=0)
            rows.append({"predicted": labels[winner], "votes": counts, "probabilities": _probabilities(mean, labels),
                         "members": [{"name": scorers[pk]["name"], "predicted": labels[c]}
                                     for pk, c in zip(members, choices)]})
        out_ensembles.append({"id": ensemble["id"], "name": ensemble["name"], "voting": ensemble["voting"],
                              "rendered": scorers[members[0]]["rendered"], "rows": rows})
    return {"versions": out_versions, "ensembles": out_ensembles}
