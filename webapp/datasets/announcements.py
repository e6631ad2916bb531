"""Telling a dataset's owner, live, that its status or progress changed."""

from __future__ import annotations

import logging

from webapp.lib.events import DatasetStatusData, Event, publish, user_group

logger = logging.getLogger(__name__)


def publish_dataset_status(owner_id: int, dataset_id: int, status: str, progress: str, url: str | None = None) -> None:
    data = DatasetStatusData(id=dataset_id, status=str(status), progress=progress)
    if url is not None:
        data["url"] = url
    try:
        publish(user_group(owner_id), Event(kind="dataset.status", data=data))
    except Exception:  # a page that misses one message catches up on reload
        logger.warning("could not announce dataset %s", dataset_id, exc_info=True)
