"""The one way a running job reports progress, whatever runs it (training, an evaluation, an
ensemble's evaluation): each point goes through `services.record_progress`, retried through a
database outage; chart points and live updates at most `max_rate` a second, and always the
points that matter (an evaluation, the last step)."""

from __future__ import annotations

import time
from typing import Any

from webapp.jobs import services
from workers.db_retry import with_db_retry


class JobProgress:
    def __init__(self, job_id: int, max_rate: int) -> None:
        self.job_id = job_id
        self.min_gap = 1.0 / max_rate
        self.started = time.monotonic()
        self.last_saved = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def due(self) -> bool:
        return time.monotonic() - self.last_saved >= self.min_gap

    def record(self, point: dict[str, Any], *, always: bool = False) -> None:
        """Record `point` (a ProgressEvent as a dict); a chart point when `always` or due."""
        save_point = always or self.due()
        if save_point:
            self.last_saved = time.monotonic()
        with_db_retry(f"job {self.job_id} progress",
                      lambda: services.record_progress(self.job_id, point, save_point=save_point))
