"""What the ensemble pages read: compatible versions for the builder, Table 3 for the ensemble page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from webapp.datasets.models import Dataset
from webapp.ensembles.models import Ensemble
from webapp.jobs.evaluations import version_task
from webapp.prompts.models import EvalRun, PromptVersion
from webapp.prompts.queries import validation_headline


@dataclass(frozen=True)
class Candidate:
    """A version the builder offers, with what a person chooses by."""

    version: PromptVersion
    trained_on: str
    labels: list[str]
    metric_name: str
    validation: float | None  # the headline validation metric seen in training
    test_accuracy: float | None  # its latest own test evaluation on `test_dataset`, when there is one
    validation_source: str = ""  # where `validation` was measured, in words
    test_dataset: str = ""  # the dataset whose test split `test_accuracy` is on


def candidates(user: Any, *, base_model: Any = None, dataset: Dataset | None = None) -> list[Candidate]:
    """The user's classification versions on `base_model` answering with `dataset`'s label set (either
    filter optional), best validation first."""
    versions = PromptVersion.objects.for_user(user).filter(job__isnull=False).select_related(
        "prompt", "base_model", "job__dataset").prefetch_related("eval_runs__dataset").order_by("prompt__name", "-version")
    if base_model is not None:
        versions = versions.filter(base_model=base_model)
    wanted = sorted(dataset.label_words) if dataset is not None else None
    out = []
    for version in versions:
        kind, labels = version_task(version)
        if kind != "classification" or (wanted is not None and sorted(labels) != wanted):
            continue
        headline = validation_headline(version)
        # The test split of the dataset the builder scores on (else of the version's own): never
        # another dataset's score under the same column.
        scored_on = dataset or (version.job.dataset if version.job else None)
        tests = [r for r in version.eval_runs.all()
                 if r.split == "test" and r.ensemble_id is None and scored_on is not None and r.dataset_id == scored_on.pk]
        out.append(Candidate(
            version=version, trained_on=version.job.dataset.name if version.job else "", labels=labels,
            metric_name=headline.name if headline else "", validation=headline.value if headline else None,
            test_accuracy=tests[0].metrics.get("accuracy") if tests else None,
            validation_source=headline.source if headline else "",
            test_dataset=scored_on.name if scored_on is not None and tests else "",
        ))
    out.sort(key=lambda c: (c.validation is None, -(c.validation or 0.0)))
    return out


@dataclass
class MemberRow:
    version: PromptVersion | None
    accuracies: list[float | None]  # one per result column


@dataclass
class Table3:
    """The paper's Table 3 for one ensemble: one column per evaluated dataset split."""

    columns: list[EvalRun]  # the vote's runs, one per (dataset, split)
    summaries: list[dict[str, Any]]
    members: list[MemberRow] = field(default_factory=list)

    def row(self, key: str) -> list[Any]:
        return [summary.get(key) for summary in self.summaries]

    @property
    def ensemble(self) -> list[float]:
        return [run.metrics.get("accuracy") for run in self.columns]

    @property
    def beats_best(self) -> list[bool]:
        return [run.metrics.get("accuracy", 0) > s.get("best_member_accuracy", 1) for run, s in
                zip(self.columns, self.summaries)]

    @property
    def cells(self) -> list[dict[str, Any]]:
        """Per column: every number of the comparison, for the template."""
        members = {v.pk: v for v in PromptVersion.objects.filter(
            pk__in={pk for s in self.summaries for pk in s.get("members", [])}).select_related("prompt")}
        out = []
        for run, s, beats in zip(self.columns, self.summaries, self.beats_best):
            ids = s.get("members", [])
            best = ids[s["best_member"]] if ids and s.get("best_member") is not None else None
            out.append({"run": run, "ensemble": run.metrics.get("accuracy"), "mean": s.get("member_mean_accuracy"),
                        "sd": s.get("member_sd_accuracy"), "best": s.get("best_member_accuracy"),
                        "best_version": members.get(best) if best else None, "oracle": s.get("oracle_accuracy"),
                        "beats_best": beats})
        return out


def vote_runs(ensemble: Ensemble) -> Any:
    return ensemble.eval_runs.filter(prompt_version__isnull=True).select_related("dataset", "job")


def current_runs(ensemble: Ensemble) -> list[EvalRun]:
    """The newest vote per (dataset, split) computed for the ensemble's current member set."""
    newest: dict[tuple[int, str], EvalRun] = {}
    for run in vote_runs(ensemble).filter(ensemble_revision=ensemble.revision).order_by("-created_at", "-pk"):
        newest.setdefault((run.dataset_id, run.split), run)
    order = {"train": 0, "validation": 1, "test": 2}
    return sorted(newest.values(), key=lambda r: (r.dataset.name, order.get(r.split, 3), r.split))


def earlier_runs(ensemble: Ensemble) -> list[EvalRun]:
    """Votes computed for another member set or voting rule: shown as such, never as current."""
    return list(vote_runs(ensemble).exclude(ensemble_revision=ensemble.revision).order_by("-created_at"))


def table3(ensemble: Ensemble, runs: list[EvalRun]) -> Table3:
    summaries = [run.metrics.get("ensemble", {}) for run in runs]
    members = ensemble.member_versions()
    rows = []
    for version in members:
        accuracies: list[float | None] = []
        for summary in summaries:
            ids = summary.get("members", [])
            accuracies.append(summary["member_accuracy"][ids.index(version.pk)] if version.pk in ids else None)
        rows.append(MemberRow(version=version, accuracies=accuracies))
    return Table3(columns=runs, summaries=summaries, members=rows)


@dataclass(frozen=True)
class AgreementCell:
    count: int
    percent: float
    shade: int  # 0–10, the heatmap's colour class
    diagonal: bool


def agreement_matrix(summary: dict[str, Any], members: list[PromptVersion]) -> list[tuple[str, list[AgreementCell]]]:
    """Rows (member name, cells) of how often each pair of members chose the same label."""
    n = summary.get("examples") or 0
    names = {v.pk: str(v) for v in members}
    rows = []
    for i, counts in enumerate(summary.get("pairwise_counts", [])):
        pk = summary["members"][i]
        cells = [AgreementCell(c, 100.0 * c / n if n else 0.0, round(10 * c / n) if n else 0, i == j)
                 for j, c in enumerate(counts)]
        rows.append((names.get(pk, f"version {pk}"), cells))
    return rows


def histogram(summary: dict[str, Any]) -> list[dict[str, Any]]:
    bins = summary.get("margin_histogram", [])
    total = sum(b["count"] for b in bins) or 1
    return [{**b, "percent": 100.0 * b["count"] / total, "total": total} for b in bins]


def playground_rows(run: Any) -> list[dict[str, Any]]:
    """Per typed input: each version's and ensemble's answer, side by side, for the template."""
    results = run.results or {}
    rows = []
    for i, line in enumerate(run.inputs):
        cells = []
        for kind in ("versions", "ensembles"):
            for target in results.get(kind, []):
                answer = target["rows"][i]
                probabilities = sorted(answer.get("probabilities", {}).items(), key=lambda kv: -kv[1])
                cells.append({
                    "kind": kind[:-1], "id": target["id"], "name": target["name"],
                    "rendered": target["rendered"][i], "predicted": answer.get("predicted"),
                    "text": answer.get("text"), "votes": answer.get("votes"), "members": answer.get("members", []),
                    "voting": target.get("voting"),
                    "probabilities": [{"label": label, "p": p, "percent": round(100 * p)} for label, p in probabilities],
                })
        rows.append({"index": i + 1, "input": line, "cells": cells})
    return rows
