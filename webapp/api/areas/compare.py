"""The compare page as JSON (`GET /api/v1/compare/?v=1&v=5`): everything the page shows, with the
paired statistics computed in the same request (the page defers them to a second one)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest, QueryDict
from ninja import Query, Router, Schema
from pydantic import Field

from webapp.api.errors import ApiError
from webapp.api.schemas import NamedRef, errors
from webapp.evaluations.compare import (
    CannotCompare,
    config_table,
    disagreements,
    metric_rows,
    neighbours,
    prompt_geometry,
    training_curves,
)
from webapp.evaluations.compare_request import UnreadableVersions, read_compare_request

router = Router(tags=["prompts"])


class CompareQuery(Schema):
    v: list[int] = Field(description="2 to 8 of your versions on one base model")
    on: str = Field("", description="dataset_id:split of the common evaluation (default: the one most versions have)")
    ref: int | None = Field(None, description="the reference version (default: the first)")
    gold: str = Field("", description="disagreement table: only this gold label")
    page: int = Field(1, ge=1, description="disagreement table page")


class SplitOut(Schema):
    dataset: int
    dataset_name: str
    split: str


class PairOut(Schema):
    n: int
    reference_accuracy: float
    other_accuracy: float
    difference: float = Field(description="other − reference accuracy")
    ci_low: float | None = Field(description="95% paired-bootstrap interval on the difference")
    ci_high: float | None
    reference_only: int = Field(description="examples the reference gets right and the other wrong")
    other_only: int
    mcnemar_p: float = Field(description="exact McNemar p-value, two-sided")


class MetricRowOut(Schema):
    version: int
    evaluation: int | None
    is_reference: bool
    values: dict[str, float | None]
    deltas: dict[str, float | None] = Field(description="against the reference")
    pair: PairOut | None


class CompareOut(Schema):
    versions: list[NamedRef]
    reference: int
    split: SplitOut | None
    config: list[dict[str, Any]] = Field(description="[{label, values: one per version}]")
    metrics: list[MetricRowOut]
    confusion_matrices: dict[str, Any] = Field(description="version id -> the run's confusion matrix")
    curves: dict[str, Any] | None = Field(description="loss and validation-metric series per version")
    disagreements: dict[str, Any] = Field(description="{rows, matching, page, num_pages, gold_labels}")
    geometry: dict[str, Any] = Field(description="{norms: per version, cosine: version × version}")
    nearest_tokens: list[dict[str, Any]] = Field(description="per version, when a worker computed them")


def _query_dict(query: CompareQuery) -> QueryDict:
    data = QueryDict(mutable=True)
    data.setlist("v", [str(pk) for pk in query.v])
    for name in ("on", "gold"):
        data[name] = getattr(query, name)
    data["page"] = str(query.page)
    if query.ref is not None:
        data["ref"] = str(query.ref)
    return data


@router.get("/compare/", response={200: CompareOut, **errors(400, 404)},
            summary="Compare 2 to 8 versions: configuration, metrics with paired statistics, disagreements",
            description="What /prompts/compare/ shows. A version that is not yours is a 404; versions on "
                        "other base models, or fewer than 2 or more than 8, are refused (400).")
def compare_versions(request: HttpRequest, query: Query[CompareQuery]) -> dict[str, Any]:
    try:
        asked = read_compare_request(request.user, _query_dict(query))
    except UnreadableVersions as exc:
        raise ApiError.from_form(exc.form) from None
    except CannotCompare as exc:
        raise ApiError(400, str(exc), [{"field": "v", "message": str(exc)}]) from None
    if asked.options.errors:
        raise ApiError.from_form(asked.options)
    versions, choice, reference, runs = asked.versions, asked.choice, asked.reference, asked.runs
    names, rows = metric_rows(versions, runs, reference, intervals=True)
    page = disagreements(versions, runs, gold=asked.gold, page=asked.page)
    geometry = prompt_geometry(versions)
    return {
        "versions": [{"id": v.pk, "name": str(v)} for v in versions],
        "reference": reference.pk,
        "split": {"dataset": choice.dataset_id, "dataset_name": choice.dataset_name, "split": choice.split}
        if choice else None,
        "config": [asdict(row) for row in config_table(versions)],
        "metrics": [{
            "version": row.version.pk, "evaluation": row.run.pk if row.run else None, "is_reference": row.is_reference,
            "values": {name: value for name, (value, _) in zip(names, row.cells)},
            "deltas": {name: delta for name, (_, delta) in zip(names, row.cells)},
            "pair": asdict(row.pair) if row.pair else None,
        } for row in rows],
        "confusion_matrices": {str(pk): run.metrics.get("confusion_matrix") for pk, run in runs.items() if run},
        "curves": training_curves(versions),
        "disagreements": {
            "rows": [{"index": d.index, "input_text": d.input_text, "gold": d.gold,
                      "predictions": [{"predicted": p[0], "correct": p[1]} if p else None for p in d.predictions]}
                     for d in page.rows],
            "matching": page.matching, "page": page.page, "num_pages": page.num_pages,
            "gold_labels": page.gold_labels,
        },
        "geometry": {"norms": [asdict(n) if n else None for n in geometry.norms], "cosine": geometry.cosine},
        "nearest_tokens": [{
            "version": n.version.pk, "status": n.status, "error": n.error, "label_words": n.label_words,
            "rows": [{"position": r.position, "tokens": [{"token": t, "cosine": c, "label_word": w} for t, c, w in r.tokens]}
                     for r in n.rows],
        } for n in neighbours(versions)],
    }
