"""Predict endpoints: label inputs with a version or an ensemble, answered by the prediction server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from webapp.api.errors import ApiError
from webapp.api.schemas import errors
from webapp.ensembles.models import Ensemble
from webapp.lib.prediction_calls import ServingError
from webapp.prompts.inputs import InputError
from webapp.prompts.services import get_version_for_user
from webapp.serving.predict import predict_ensemble, predict_version

router = Router(tags=["predict"])

Scalar = str | int | float | bool | None

INPUTS_HELP = (
    'Each input is {"text": "..."} for a template of one column, or {"column": value, ...} naming every '
    "column the version's input template reads (other keys are ignored). The template and label words "
    "of the dataset the version was trained on are applied, as in evaluation. At most PREDICT_MAX_INPUTS "
    "(32) inputs of PREDICT_MAX_INPUT_CHARS (2,000) characters each.")
SERVING_HELP = (
    " 429: the prediction server's queue is full, retry after `Retry-After` seconds; 503: the server is "
    "not running; 504: it did not answer in time.")


class PredictIn(Schema):
    inputs: list[dict[str, Scalar]] = Field(description=INPUTS_HELP, examples=[[{"text": "a gripping, funny film"}]])
    return_scores: bool = Field(True, description="include each label's probability")


class LabelScore(Schema):
    label: str
    probability: float = Field(description="softmax over the label set")
    log_likelihood: float | None = Field(None, description="log Pr(label words | input); versions only")


class VersionPrediction(Schema):
    input: str = Field(description="the input through the template: what the model read")
    label: str | None = Field(description="the highest-scoring label; null for a generation prompt")
    text: str | None = Field(description="the generated text of a generation prompt")
    scores: list[LabelScore] | None = Field(description="highest first, when return_scores")


class VersionPredictOut(Schema):
    version: int
    labels: list[str] | None
    predictions: list[VersionPrediction]


class MemberChoice(Schema):
    version: int
    label: str


class EnsemblePrediction(Schema):
    input: str
    label: str = Field(description="the vote's winner")
    votes: dict[str, int] = Field(description="label -> members choosing it")
    members: list[MemberChoice]
    scores: list[LabelScore] | None = Field(description="softmax of the members' mean log-probability")


class EnsemblePredictOut(Schema):
    ensemble: int
    voting: str
    labels: list[str]
    predictions: list[EnsemblePrediction]


def _answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return call()
    except InputError as exc:
        raise ApiError(400, str(exc), [{"field": exc.field, "message": str(exc)}]) from None
    except ServingError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        raise ApiError(exc.status, str(exc), headers=headers) from None


@router.post("/versions/{int:id}/predict/", response={200: VersionPredictOut, **errors(400, 404, 429, 500, 504)},
             summary="Label inputs with a prompt version",
             description="Answered by the prediction server, which batches concurrent calls for different prompts "
                         "into shared forward passes." + SERVING_HELP)
def predict_with_version(request: HttpRequest, id: int, payload: PredictIn) -> dict[str, Any]:
    version = get_version_for_user(request.user, id)
    return _answer(lambda: predict_version(version, payload.inputs, return_scores=payload.return_scores))


@router.post("/ensembles/{int:id}/predict/", response={200: EnsemblePredictOut, **errors(400, 404, 429, 500, 504)},
             summary="Label inputs with an ensemble's vote",
             description="Every member scores every input in the same call; the ensemble's voting rule decides."
                         + SERVING_HELP)
def predict_with_ensemble(request: HttpRequest, id: int, payload: PredictIn) -> dict[str, Any]:
    ensemble = get_object_or_404(Ensemble.objects.for_user(request.user).select_related("base_model"), pk=id)
    return _answer(lambda: predict_ensemble(ensemble, payload.inputs, return_scores=payload.return_scores))
