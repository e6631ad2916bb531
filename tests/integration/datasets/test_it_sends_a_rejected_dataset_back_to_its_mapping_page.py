"""The browser flow with a real worker: a dataset whose rows fail the checks leaves no row and no
dataset files; its upload waits in a staging with the problems, and the owner's pages hear where."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.factories import media_snapshot, upload_dataset, write_csv
from webapp.core.consumers import UserEventsConsumer
from webapp.datasets.models import Dataset
from webapp.datasets.processing import Mapping
from webapp.datasets.staging import Staging, staging_root

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _create(owner, tmp_path) -> Dataset:
    rows = [{"text": f"a fine film #{i}", "label": "pos"} for i in range(30)]  # a single class
    path = write_csv(tmp_path / "one-class.csv", rows)
    return upload_dataset(owner, path, Mapping("review: {text}", "label", {"pos": "positive"}), name="One class")


@pytest.mark.asyncio
async def test_it_rejects_into_a_staging(alice, tmp_path, celery_worker_process) -> None:
    communicator = WebsocketCommunicator(UserEventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = alice
    connected, _ = await communicator.connect()
    assert connected
    count = await database_sync_to_async(Dataset.objects.count)()
    before = set(media_snapshot(settings.MEDIA_ROOT))

    dataset = await database_sync_to_async(_create)(alice, tmp_path)
    assert dataset.status == "validating"
    event = await communicator.receive_json_from(timeout=60)
    while event["data"]["status"] == "validating":
        event = await communicator.receive_json_from(timeout=60)
    await communicator.disconnect()

    assert event["kind"] == "dataset.status"
    assert event["data"]["id"] == dataset.pk
    assert event["data"]["status"] == "rejected"
    staging_id = event["data"]["url"].removeprefix("/datasets/new/").removesuffix("/")
    staging = Staging.load(staging_id)
    assert staging is not None
    assert staging.owner_id == alice.pk
    assert staging.rejected_dataset_id == dataset.pk
    assert [p["message"] for p in staging.problems] == [
        "Every row has the same label ('positive'): classification needs at least two classes"]
    assert staging.mapping is not None
    assert staging.mapping["label_map"] == {"pos": "positive"}
    assert staging.columns == ["text", "label"]
    assert staging.rows == 30

    assert await database_sync_to_async(Dataset.objects.count)() == count
    assert not dataset.storage_dir.exists()
    added = set(media_snapshot(settings.MEDIA_ROOT)) - before - {"datasets", "staging"}  # the parents
    staged = staging_root().relative_to(settings.MEDIA_ROOT) / staging_id
    assert added == {str(staged), str(staged / "file.csv"), str(staged / "manifest.json")}
