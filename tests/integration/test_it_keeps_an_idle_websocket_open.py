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

# The rule under test: redis-py's socket timeout outlasts channels_redis' 5 s blocking pop. The
# test shortens the socket timeout to 6 s (still above the pop) and idles past it, so a socket
# that timed out would have failed within the 8 s, as one would after 15 s with the default.
SOCKET_TIMEOUT = 6
IDLE_SECONDS = 8


@pytest.mark.asyncio
async def test_it_keeps_an_idle_socket_open_and_delivers_afterwards(alice, settings) -> None:
    layer = settings.CHANNEL_LAYERS["default"]
    host = {**layer["CONFIG"]["hosts"][0], "socket_timeout": SOCKET_TIMEOUT}
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [host]}}}
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
