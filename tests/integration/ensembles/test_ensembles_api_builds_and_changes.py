"""POST, PATCH and DELETE /api/v1/ensembles/: everything the builder does, from code, with its rules
and messages; other people's ensembles and versions stay out of reach."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key
from webapp.ensembles.models import Ensemble
from webapp.jobs.models import JobStatus, TuningJob

pytestmark = pytest.mark.django_db


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def _evaluations() -> list[TuningJob]:
    return list(TuningJob.objects.filter(method="ensemble_evaluation").order_by("pk"))


def test_it_builds_changes_and_deletes_an_ensemble(alice, members, reviews) -> None:
    api = _api(alice)
    made = api.post("/api/v1/ensembles/", {"name": "trio", "versions": [m.pk for m in members],
                                           "dataset": reviews.pk}, content_type="application/json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert [m["version"] for m in body["members"]] == [m.pk for m in members]
    assert (body["voting"], body["revision"]) == ("majority", 1)
    [evaluation] = _evaluations()
    assert (evaluation.status, evaluation.train_config["splits"]) == (JobStatus.QUEUED, ["validation", "test"])

    renamed = api.patch(f"/api/v1/ensembles/{body['id']}/", {"name": "the trio"}, content_type="application/json")
    assert (renamed.status_code, renamed.json()["name"], renamed.json()["revision"]) == (200, "the trio", 1)
    assert len(_evaluations()) == 1  # the same members and voting: its results stand

    pair = api.patch(f"/api/v1/ensembles/{body['id']}/", {"versions": [members[1].pk, members[0].pk],
                                                          "voting": "soft"}, content_type="application/json")
    assert pair.json()["revision"] == 2
    assert [m["version"] for m in pair.json()["members"]] == [members[1].pk, members[0].pk]
    assert len(_evaluations()) == 2  # a new member set is evaluated anew, on the members' data

    assert api.delete(f"/api/v1/ensembles/{body['id']}/").status_code == 409  # its evaluations are queued
    TuningJob.objects.update(status=JobStatus.CANCELLED)
    assert api.delete(f"/api/v1/ensembles/{body['id']}/").status_code == 204
    assert Ensemble.objects.count() == 0


def test_it_answers_with_the_builders_messages(alice, bob, members, reviews) -> None:
    one = _api(alice).post("/api/v1/ensembles/", {"name": "solo", "versions": [members[0].pk], "dataset": reviews.pk},
                           content_type="application/json")
    assert one.status_code == 400
    assert one.json()["error"] == "An ensemble needs at least 2 versions; 1 chosen"
    assert one.json()["details"][0]["field"] == "versions"
    theirs = _api(bob).post("/api/v1/ensembles/", {"name": "stolen", "versions": [m.pk for m in members],
                                                   "dataset": reviews.pk}, content_type="application/json")
    assert theirs.status_code == 400
    assert {d["field"] for d in theirs.json()["details"]} == {"versions", "dataset"}
    assert Ensemble.objects.count() == 0 and _evaluations() == []


def test_others_cannot_change_or_delete_it(alice, bob, members, reviews) -> None:
    made = _api(alice).post("/api/v1/ensembles/", {"name": "trio", "versions": [m.pk for m in members],
                                                   "dataset": reviews.pk}, content_type="application/json").json()
    bobs = _api(bob)
    assert bobs.patch(f"/api/v1/ensembles/{made['id']}/", {"name": "mine"},
                      content_type="application/json").status_code == 404
    assert bobs.delete(f"/api/v1/ensembles/{made['id']}/").status_code == 404
    assert Ensemble.objects.get().name == "trio"
