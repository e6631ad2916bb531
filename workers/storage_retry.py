"""Object storage that goes away for a moment must not fail a job that has run for an hour.

What a job cannot do without (fetching its data and prompts at the start, storing its new version
at the end) is retried with backoff for up to JOB_STORAGE_RETRY_SECONDS, in training, evaluation
and ensemble-evaluation jobs alike. A checkpoint is only insurance: one
that cannot be stored is told in the job's log and training goes on; the next one tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from webapp.lib import media
from webapp.lib.media_cache import CorruptCopy
from workers.backoff import backoff_delays, first_line

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _unavailable(exc: BaseException) -> bool:
    """The store did not answer (or answered an error of its own), as opposed to a file that is
    not there or not the recorded one, which waiting does not mend."""
    if isinstance(exc, (FileNotFoundError, CorruptCopy)):
        return False
    return isinstance(exc, (BotoCoreError, ClientError, OSError))


def with_storage_retry(what: str, call: Callable[[], T]) -> T:
    """`call()`, retried with backoff while the object store is unavailable, for a bounded time."""
    from django.conf import settings

    delays = backoff_delays(settings.JOB_STORAGE_RETRY_SECONDS)
    while True:
        try:
            return call()
        except Exception as exc:
            delay = next(delays, None) if _unavailable(exc) else None
            if delay is None:
                raise
            logger.warning("%s: the file storage is unavailable (%s); retrying in %.1f s", what, first_line(exc), delay)
            time.sleep(delay)


class CheckpointPublisher:
    """TrainingRun's on_checkpoint: store each checkpoint as it is written; a failure is said in the
    job's log (once until one is stored again) and never stops training."""

    def __init__(self, name_of: Callable[[str], str], say: Callable[[str], None]) -> None:
        self.name_of, self.say = name_of, say
        self.failing = False

    def __call__(self, path: Path) -> None:
        try:
            media.publish(path, self.name_of(path.name))
        except Exception as exc:  # noqa: BLE001 - any storage failure: training goes on
            if not _unavailable(exc):
                raise
            logger.warning("a checkpoint could not be stored: %s", exc)
            if not self.failing:
                self.say("A checkpoint could not be stored (the file storage did not answer); training goes "
                         "on, and a takeover would resume from the last stored one")
            self.failing = True
            return
        if self.failing:
            self.say("Checkpoints are stored again")
        self.failing = False
