"""GET /api/v1/ensembles/ and /ensembles/{id}/: alice's ensembles with their members, voting rule and
the vote's results of the current revision; other people's are 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key
from tests.support.predictions import classification_metrics_of, rank_predictions
from webapp.ensembles.services import create_ensemble
from webapp.prompts.services import record_eval_run

pytestmark = pytest.mark.django_db


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def test_alice_lists_and_reads_her_ensembles(alice, members, reviews) -> None:
    trio = create_ensemble(alice, name="trio", versions=members, voting="soft")
    predictions = rank_predictions(10)
    vote = record_eval_run(version=None, ensemble=trio, ensemble_revision=trio.revision, dataset=reviews, split="test", mode="rank",
                           metrics=classification_metrics_of(predictions), predictions=predictions)

    listed = _api(alice).get("/api/v1/ensembles/").json()["results"]
    detail = _api(alice).get(f"/api/v1/ensembles/{trio.pk}/").json()

    assert [e["name"] for e in listed] == ["trio"]
    assert [m["version"] for m in detail["members"]] == [m.pk for m in members]
    assert detail["voting"] == "soft"
    assert detail["predict_url"] == f"/api/v1/ensembles/{trio.pk}/predict/"
    assert [r["evaluation"] for r in detail["results"]] == [vote.pk]


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_others_see_nothing(request, stranger, alice, members) -> None:
    trio = create_ensemble(alice, name="trio", versions=members)
    api = _api(request.getfixturevalue(stranger))

    assert api.get("/api/v1/ensembles/").json()["results"] == []
    assert api.get(f"/api/v1/ensembles/{trio.pk}/").status_code == 404
