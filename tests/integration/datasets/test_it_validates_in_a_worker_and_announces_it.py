"""The browser flow: the upload is `processing`, a real Celery worker checks it and makes the
dataset, and the owner's websocket hears each status change."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.factories import review_rows, submit_upload, write_csv
from webapp.core.consumers import UserEventsConsumer
from webapp.datasets.models import Upload
from webapp.datasets.processing import Mapping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _submit(owner, tmp_path) -> Upload:
    path = write_csv(tmp_path / "r.csv", review_rows(200))
    return submit_upload(owner, path, Mapping("{text}", "label", {"0": "negative", "1": "positive"}))


@pytest.mark.asyncio
async def test_it_processes_and_announces(alice, tmp_path, celery_worker_process) -> None:
    communicator = WebsocketCommunicator(UserEventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = alice
    connected, _ = await communicator.connect()
    assert connected

    upload = await database_sync_to_async(_submit)(alice, tmp_path)
    assert upload.status == "processing"

    statuses = []
    while not statuses or statuses[-1] == "processing":
        event = await communicator.receive_json_from(timeout=60)
        assert event["kind"] == "upload.status"
        assert event["data"]["id"] == upload.key
        statuses.append(event["data"]["status"])
    assert statuses[0] == "processing"
    assert statuses[-1] == "done"
    await communicator.disconnect()

    await database_sync_to_async(upload.refresh_from_db)()
    assert upload.progress == ""
    dataset = await database_sync_to_async(lambda: upload.dataset)()
    assert event["data"]["url"] == f"/datasets/{dataset.pk}/"
    assert dataset.split_counts == {"train": 160, "validation": 20, "test": 20}
    assert not upload.dir.exists()
