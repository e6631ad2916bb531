"""Changing the members (or the voting rule) makes a new revision: results of the old member set
are marked as such and leave Table 3; deleting is refused while an evaluation runs, and a member
version cannot be deleted while it belongs to an ensemble."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.support.accounts import logged_in
from tests.support.jobs import HELD_QUEUE
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.models import Ensemble
from webapp.ensembles.services import create_ensemble
from webapp.jobs.models import TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.services import record_eval_run

pytestmark = pytest.mark.django_db(transaction=True)


def vote_run(ensemble, dataset, accuracy: float):
    summary = {"members": ensemble.member_ids(), "member_accuracy": [0.5] * len(ensemble.member_ids()),
               "member_mean_accuracy": 0.5, "member_sd_accuracy": 0.0, "best_member": 0, "best_member_accuracy": 0.5,
               "oracle_accuracy": 0.9, "pairwise_counts": [], "examples": 0, "margin_histogram": [],
               "differences": [], "difference_counts": {"vote": 0, "best": 0, "neither": 0, "total": 0}}
    return record_eval_run(version=None, dataset=dataset, split="test", mode="rank",
                           metrics={"accuracy": accuracy, "ensemble": summary}, predictions=[], ensemble=ensemble,
                           ensemble_revision=ensemble.revision, ensemble_members=ensemble.member_ids())


def test_new_members_make_a_new_revision(alice, members, reviews) -> None:
    ensemble = create_ensemble(alice, name="trio", versions=members)
    vote_run(ensemble, reviews, 0.625)
    client = logged_in(alice)
    assert "0.625" in client.get(f"/ensembles/{ensemble.pk}/").content.decode()

    response = client.post(f"/ensembles/{ensemble.pk}/edit/", {
        "name": "duo", "voting": "majority", "versions": [members[1].pk, members[2].pk], "dataset": reviews.pk,
        "splits": ["test"]})

    assert response.status_code == 302
    ensemble = Ensemble.objects.get(pk=ensemble.pk)
    assert (ensemble.name, ensemble.revision, ensemble.member_ids()) == ("duo", 2, [members[1].pk, members[2].pk])
    job = TuningJob.objects.get(method="ensemble_evaluation")
    assert job.train_config["revision"] == 2
    page = client.get(f"/ensembles/{ensemble.pk}/").content.decode()
    table = page.split('id="table3"')[1].split("</section>")[0]
    assert "0.625" not in table
    assert "Results for an earlier member set" in page
    assert "revision 1, 3 members" in page
    cancel_job(job)


def test_a_rename_keeps_the_revision_and_its_results(alice, members, reviews) -> None:
    ensemble = create_ensemble(alice, name="trio", versions=members)
    logged_in(alice).post(f"/ensembles/{ensemble.pk}/edit/", {
        "name": "the trio", "voting": "majority", "versions": [m.pk for m in members], "dataset": reviews.pk,
        "splits": ["test"]})
    ensemble.refresh_from_db()
    assert (ensemble.name, ensemble.revision) == ("the trio", 1)
    assert not TuningJob.objects.filter(method="ensemble_evaluation").exists()


def test_deleting_waits_for_the_evaluation(alice, members, reviews) -> None:
    ensemble = create_ensemble(alice, name="trio", versions=members)
    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):  # no worker may finish it meanwhile
        job = launch_ensemble_evaluation(alice, ensemble, reviews, ["test"])
    client = logged_in(alice)

    page = client.post(f"/ensembles/{ensemble.pk}/delete/", follow=True).content.decode()
    assert "cannot be deleted while its evaluation job" in page
    assert Ensemble.objects.filter(pk=ensemble.pk).exists()
    version_page = client.post(f"/prompts/versions/{members[0].pk}/delete/", follow=True).content.decode()
    assert "is a member of the ensemble(s) trio" in version_page

    cancel_job(job)
    client.post(f"/ensembles/{ensemble.pk}/delete/")
    assert not Ensemble.objects.filter(pk=ensemble.pk).exists()
