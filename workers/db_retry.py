"""Database writes of a running job that outlast a short outage.

A database that goes away for a moment (a PostgreSQL restart) must not fail a job that has run
for an hour: every write a job makes is retried with backoff for up to JOB_DB_RETRY_SECONDS,
reconnecting between tries, and the work waits. Training, evaluation and ensemble-evaluation jobs
all write through `with_db_retry`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError

from workers.backoff import backoff_delays, first_line

logger = logging.getLogger(__name__)

T = TypeVar("T")
DB_ERRORS = (OperationalError, InterfaceError)


def with_db_retry(what: str, call: Callable[[], T], *, done: Callable[[], bool] | None = None) -> T | None:
    """`call()`, retried with backoff while the database is unavailable, for a bounded time.

    done: asked (itself with retries) before each new try; True means an earlier try took
    effect although its answer was lost (the commit went through, the connection did not),
    so the call is not repeated and None is returned.
    """
    from django.conf import settings
    from django.db import connection

    delays = backoff_delays(settings.JOB_DB_RETRY_SECONDS)
    while True:
        try:
            return call()
        except DB_ERRORS as exc:
            delay = next(delays, None)
            if delay is None:
                logger.error("%s: the database stayed unavailable for %d s; giving up", what,
                             settings.JOB_DB_RETRY_SECONDS)
                raise
            logger.warning("%s: the database is unavailable (%s); retrying in %.1f s", what, first_line(exc), delay)
            connection.close()  # the next query opens a fresh connection
            time.sleep(delay)
        if done is not None and with_db_retry(f"{what} (checking)", done):
            return None
