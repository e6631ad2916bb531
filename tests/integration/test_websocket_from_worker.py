"""A websocket client receives what a worker sends with group_send through Redis."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from webapp.core.consumers import UserEventsConsumer
from webapp.lib.events import user_group
from workers.tasks import ping_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.asyncio
async def test_it_delivers_a_worker_event_to_the_users_socket(alice, celery_worker_process) -> None:
    communicator = WebsocketCommunicator(UserEventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = alice
    connected, _ = await communicator.connect()
    assert connected

    ping_task.delay(reply_group=user_group(alice.pk))

    event = await communicator.receive_json_from(timeout=30)
    assert event["kind"] == "worker.pong"
    assert event["data"]["pong"] is True
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_it_refuses_an_anonymous_socket() -> None:
    communicator = WebsocketCommunicator(UserEventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401
