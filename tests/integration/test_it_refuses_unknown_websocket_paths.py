"""A websocket handshake to a path no consumer serves is refused quietly (403), never a 500 with
a traceback in the log, whether or not the client is signed in."""

from __future__ import annotations

import logging

import pytest
from channels.testing import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/ws/jobs/abc/", "/ws/nothing/", "/"])
async def test_an_unknown_path_is_refused_without_an_error(path: str, caplog) -> None:
    from webapp.asgi import application

    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost"),
                                                                      (b"host", b"localhost")])
    with caplog.at_level(logging.WARNING):
        connected, code = await communicator.connect()
    assert (connected, code) == (False, 1000)
    await communicator.wait()  # the refusal ends the connection's app: nothing is left running
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
