"""An ensemble, its pages, its results and its evaluation's websocket are its owner's: bob gets 404."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from tests.support.accounts import logged_in
from tests.support.jobs import job_communicator
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.services import create_ensemble
from webapp.jobs.services import cancel_job
from webapp.prompts.services import record_eval_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_strangers_get_404(alice, bob, members, reviews) -> None:
    ensemble = create_ensemble(alice, name="alice's trio", versions=members)
    vote = record_eval_run(version=None, dataset=reviews, split="test", mode="rank", metrics={"accuracy": 0.5},
                           predictions=[], ensemble=ensemble, ensemble_revision=1)
    job = launch_ensemble_evaluation(alice, ensemble, reviews, ["test"])

    stranger = logged_in(bob)
    for url in (f"/ensembles/{ensemble.pk}/", f"/ensembles/{ensemble.pk}/edit/", f"/prompts/evaluations/{vote.pk}/"):
        assert stranger.get(url).status_code == 404, url
    for url in (f"/ensembles/{ensemble.pk}/evaluate/", f"/ensembles/{ensemble.pk}/delete/",
                f"/ensembles/{ensemble.pk}/edit/"):
        assert stranger.post(url, {"dataset": reviews.pk, "split": "test"}).status_code == 404, url
    assert "alice&#x27;s trio" not in stranger.get("/ensembles/").content.decode()
    assert stranger.get(f"/ensembles/new/?v={members[0].pk}").status_code == 200  # her version is no choice
    assert str(members[0]) not in stranger.get(f"/ensembles/new/?v={members[0].pk}").content.decode()

    owner = logged_in(alice)
    assert owner.get(f"/ensembles/{ensemble.pk}/").status_code == 200
    assert owner.get(f"/prompts/evaluations/{vote.pk}/").status_code == 200
    assert "alice&#x27;s trio" in owner.get("/ensembles/").content.decode()

    async def connects(user) -> bool:
        communicator = job_communicator(user, job.pk)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(connects)(alice)
    assert not async_to_sync(connects)(bob)
    cancel_job(job)


def test_the_jobs_list_and_the_playground_name_the_ensemble(alice, members, reviews) -> None:
    from django.test import override_settings

    from tests.support.jobs import HELD_QUEUE

    ensemble = create_ensemble(alice, name="trio", versions=members)
    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        job = launch_ensemble_evaluation(alice, ensemble, reviews, ["test"])
    client = logged_in(alice)
    assert f'ensemble <a href="/ensembles/{ensemble.pk}/">trio</a>' in client.get("/jobs/").content.decode()
    page = client.get(f"/playground/?e={ensemble.pk}").content.decode()
    box = page.split('name="ensembles"')[1].split(">")[0]
    assert f'value="{ensemble.pk}"' in box
    assert "checked" in box
    cancel_job(job)
