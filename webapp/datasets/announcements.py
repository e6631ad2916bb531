"""Telling an owner's pages, live, that an upload or a dataset changed."""

from __future__ import annotations

import logging

from webapp.datasets.models import Upload
from webapp.lib.events import DatasetStatusData, Event, UploadStatusData, publish, user_group

logger = logging.getLogger(__name__)


def publish_upload_status(upload: Upload, status: str, progress: str, url: str | None = None) -> None:
    data = UploadStatusData(id=upload.key, status=str(status), progress=progress)
    if url is not None:
        data["url"] = url
    _publish(upload.owner_id, Event(kind="upload.status", data=data))


def publish_dataset_changed(owner_id: int, dataset_id: int, progress: str) -> None:
    _publish(owner_id, Event(kind="dataset.status", data=DatasetStatusData(id=dataset_id, status="ready",
                                                                           progress=progress)))


def _publish(owner_id: int, event: Event) -> None:
    try:
        publish(user_group(owner_id), event)
    except Exception:  # a page that misses one message catches up on reload
        logger.warning("could not announce %s", event["kind"], exc_info=True)
