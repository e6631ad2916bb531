"""Only the owner sees or touches a job: pages, API and websocket (alice / bob / charlie)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from tests.factories import api_key, make_ready_dataset
from tests.support.jobs import job_communicator, launch_held
from webapp.jobs.models import JobStatus, TuningJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alices_job(alice, tiny_base_model) -> TuningJob:
    return launch_held(alice, make_ready_dataset(alice), tiny_base_model)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_the_job_to_its_owner(alice, alices_job) -> None:
    client = logged_in(alice)
    assert client.get(f"/jobs/{alices_job.pk}/").status_code == 200
    assert f"#{alices_job.pk}" in client.get("/jobs/").content.decode()


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_it_hides_the_job_from_others(request, alices_job, stranger) -> None:
    client = logged_in(request.getfixturevalue(stranger))
    assert client.get(f"/jobs/{alices_job.pk}/").status_code == 404
    assert client.post(f"/jobs/{alices_job.pk}/cancel/").status_code == 404
    assert f"#{alices_job.pk}<" not in client.get("/jobs/").content.decode()
    alices_job.refresh_from_db()
    assert alices_job.status == JobStatus.QUEUED


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_it_hides_the_job_from_others_in_the_api(request, alices_job, stranger) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(request.getfixturevalue(stranger))}")
    for url in (f"/api/v1/jobs/{alices_job.pk}/", f"/api/v1/jobs/{alices_job.pk}/metrics/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"] == "Not found"
    assert client.post(f"/api/v1/jobs/{alices_job.pk}/cancel/").status_code == 404
    assert client.get("/api/v1/jobs/").json()["results"] == []


def test_it_gives_the_owner_the_job_in_the_api(alice, alices_job) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    body = client.get(f"/api/v1/jobs/{alices_job.pk}/").json()
    assert body["id"] == alices_job.pk
    assert body["status"] == "queued"
    assert body["result_version"] is None
    assert [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]] == [alices_job.pk]


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_it_refuses_the_job_socket_to_others(request, alices_job, stranger) -> None:
    user = request.getfixturevalue(stranger)

    async def connect() -> tuple[bool, int | None]:
        communicator = job_communicator(user, alices_job.pk)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(connect)() == (False, 4404)


def test_it_opens_the_job_socket_for_the_owner(alice, alices_job) -> None:
    async def connect() -> bool:
        communicator = job_communicator(alice, alices_job.pk)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(connect)() is True


def test_it_refuses_the_job_socket_to_anonymous_users(alices_job) -> None:
    from django.contrib.auth.models import AnonymousUser

    async def connect() -> tuple[bool, int | None]:
        communicator = job_communicator(AnonymousUser(), alices_job.pk)
        connected, code = await communicator.connect()
        return connected, code

    assert async_to_sync(connect)() == (False, 4401)
