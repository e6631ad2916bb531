"""The browser flow: the row is created `validating`, a real Celery worker processes it, and the
owner's websocket hears each status change."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.factories import review_rows, upload_dataset, write_csv
from webapp.core.consumers import UserEventsConsumer
from webapp.datasets.models import Dataset
from webapp.datasets.processing import Mapping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _create(owner, tmp_path) -> Dataset:
    path = write_csv(tmp_path / "r.csv", review_rows(200))
    return upload_dataset(owner, path, Mapping("{text}", "label", {"0": "negative", "1": "positive"}))


@pytest.mark.asyncio
async def test_it_processes_and_announces(alice, tmp_path, celery_worker_process) -> None:
    communicator = WebsocketCommunicator(UserEventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = alice
    connected, _ = await communicator.connect()
    assert connected

    dataset = await database_sync_to_async(_create)(alice, tmp_path)
    assert dataset.status == "validating"

    statuses = []
    while not statuses or statuses[-1] == "validating":
        event = await communicator.receive_json_from(timeout=60)
        assert event["kind"] == "dataset.status"
        assert event["data"]["id"] == dataset.pk
        statuses.append(event["data"]["status"])
    assert statuses[0] == "validating"
    assert statuses[-1] == "ready"
    await communicator.disconnect()

    await database_sync_to_async(dataset.refresh_from_db)()
    assert dataset.split_counts == {"train": 160, "validation": 20, "test": 20}
    assert dataset.progress == ""
