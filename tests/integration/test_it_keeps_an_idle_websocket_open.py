"""An idle websocket stays open: the Channels layer's Redis connection waits longer than its
own blocking pop, so a quiet socket is not closed with 1011 every few seconds."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from webapp.core.consumers import UserEventsConsumer
from webapp.lib.events import Event, publish, user_group

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

IDLE_SECONDS = 30


@pytest.mark.asyncio
async def test_it_keeps_an_idle_socket_open_and_delivers_afterwards(alice) -> None:
    communicator = WebsocketCommunicator(UserEventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = alice
    connected, _ = await communicator.connect()
    assert connected

    # Nothing arrives and nothing breaks: a consumer that crashed would raise here.
    await asyncio.sleep(IDLE_SECONDS)
    assert await communicator.receive_nothing(timeout=0.5)

    await database_sync_to_async(publish)(user_group(alice.pk), Event(kind="worker.pong", data={"pong": True}))
    event = await communicator.receive_json_from(timeout=10)
    assert event == {"kind": "worker.pong", "data": {"pong": True}}
    await communicator.disconnect()
