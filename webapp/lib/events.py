"""Announcing changes to browsers through the Channels layer.

Payloads are small typed dicts that say what changed; pages re-read state from
PostgreSQL, so a lost message costs a stale view until the next one, never
wrong data. Consumers handle the `event.message` type.

Publishing never raises into the work that announces: a training job must not
die because Redis restarted. A failed send is logged and dropped, and for a few
seconds afterwards sends are dropped without trying, so a job does not wait on
connection retries at every progress point while Redis is away.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Literal, Required, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

# job.step is the small per-user echo of job.progress that keeps the jobs list's progress column live.
EventKind = Literal["worker.pong", "job.status", "job.progress", "job.step", "job.log", "dataset.status",
                    "upload.status"]


class JobStatusData(TypedDict, total=False):
    """A job changed status (or was deleted: status "deleted")."""

    job_id: Required[int]
    status: Required[str]
    final: Required[bool]
    step: int
    total_steps: int
    error_message: str


class JobProgressData(TypedDict):
    """A recorded training step or evaluation, for the job's page."""

    step: int
    total_steps: int
    loss: float | None
    learning_rate: float | None
    metrics: dict[str, float]
    point: str  # "train" or "eval"
    eta_seconds: float | None
    is_best: bool
    metric_name: str | None


class JobStepData(TypedDict):
    """The per-user echo of a step, for the jobs list's progress column."""

    id: int
    step: int
    total_steps: int


class JobLogData(TypedDict):
    message: str
    at: str  # ISO 8601


class DatasetStatusData(TypedDict):
    """Something of a ready dataset changed (its token lengths were measured)."""

    id: int
    status: str
    progress: str


class UploadStatusData(TypedDict, total=False):
    id: Required[str]  # the upload's id, hex
    status: Required[str]
    progress: Required[str]
    url: str  # done: the dataset's page


class WorkerPongData(TypedDict):
    pong: bool
    worker: str


EventData = (JobStatusData | JobProgressData | JobStepData | JobLogData | DatasetStatusData | UploadStatusData
             | WorkerPongData)


class Event(TypedDict):
    kind: EventKind
    data: EventData


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def job_group(job_id: int) -> str:
    return f"job-{job_id}"


logger = logging.getLogger(__name__)

# After a failed send, drop announcements for this long before trying Redis again.
QUIET_SECONDS = 5.0


class _Outage:
    """When the channel layer last failed; shared by the threads of a process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.quiet_until = 0.0
        self.dropped = 0

    def skip(self) -> bool:
        with self.lock:
            if time.monotonic() < self.quiet_until:
                self.dropped += 1
                return True
            return False

    def failed(self, group: str, exc: BaseException) -> None:
        with self.lock:
            first = self.quiet_until == 0.0
            self.quiet_until = time.monotonic() + QUIET_SECONDS
            dropped, self.dropped = self.dropped, 0
        # The traceback once per outage; afterwards one line per retry window.
        logger.warning("announcement to %s dropped: the channel layer failed (%s: %s); %d more dropped meanwhile",
                       group, exc.__class__.__name__, exc, dropped, exc_info=first)

    def recovered(self) -> None:
        with self.lock:
            if self.quiet_until:
                logger.info("the channel layer answers again; announcements resume")
            self.quiet_until = 0.0
            self.dropped = 0


_outage = _Outage()


def publish(group: str, event: Event) -> None:
    """Send `event` to every websocket in `group`; on any failure log it and drop the event."""
    layer = get_channel_layer()
    if layer is None or _outage.skip():
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "event.message", "event": event})
    except Exception as exc:  # noqa: BLE001 - an announcement must never fail the work that made it
        _outage.failed(group, exc)
    else:
        if _outage.quiet_until:
            _outage.recovered()
