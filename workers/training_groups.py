"""One fused trainer per base model in a worker process: the training jobs on that model step
together (`tuning_core.fused`) on one model copy; their rows share each pass where that pays (a
GPU; FUSED_SHARE_PASSES).

Job tasks run on Celery's thread pool. Each builds its run, hands it here and waits for its end,
so its Celery message (acks_late), lease heartbeat, cancel check, progress and result stay per
job; a stepping thread per group trains every run handed in.

Scheduling (the README says the same to users):
- jobs on the same base model and precision train together, up to FUSED_MAX_JOBS at once; a job
  that arrives while others train joins at their next step, with no new model load;
- a job that asks to train alone (`exclusive`) waits for the group to empty and keeps others
  out until it ends;
- a job on another base model or precision waits until the group empties; first come, first
  served: while it waits, later jobs of the running group wait behind it, so it is not starved.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from tuning_core.fused import FusedTrainer
from tuning_core.train import TrainingRun, TrainResult

logger = logging.getLogger(__name__)

GroupKey = tuple[str, str]  # (base model source, precision)


@dataclass(frozen=True)
class GroupSnapshot:
    """What /healthz and the home page show of a group."""

    id: str
    base_model: str  # its name, as the jobs say it
    precision: str
    jobs: int
    exclusive: bool
    steps_per_second: float


@dataclass(eq=False)
class _Ticket:
    key: GroupKey
    exclusive: bool


@dataclass(eq=False)
class _Group:
    key: GroupKey
    trainer: FusedTrainer
    exclusive: bool
    label: str  # the base model's name
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    jobs: set[int] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)

    def snapshot(self) -> GroupSnapshot:
        seconds = max(time.monotonic() - self.started, 1e-9)
        return GroupSnapshot(self.id, self.label, self.key[1], len(self.jobs), self.exclusive,
                             round(self.trainer.steps_taken / seconds, 3))


class TrainingGroups:
    """The process's training group (one at a time: one model's passes fill the device)."""

    def __init__(self, max_jobs: int, max_rows: int, share_passes: bool | None = None) -> None:
        self.max_jobs = max_jobs
        self.max_rows = max_rows
        self.share_passes = share_passes  # None: where it pays (tuning_core.fused.shares_passes_by_default)
        self._cond = threading.Condition()
        self._group: _Group | None = None
        self._waiting: list[_Ticket] = []

    def train(self, job_id: int, run: TrainingRun, *, source: str, label: str = "", exclusive: bool = False,
              on_wait: Callable[[str], None] | None = None,
              on_join: Callable[[str], None] | None = None) -> TrainResult:
        """Train `run` in this process's group for its base model `source` (named `label`);
        blocks until it ends. Raises what failed the run.

        on_wait(why) is called when the run cannot join at once; on_join(group_id) once it is
        handed to a group. Both are called outside any lock, and their failures are only logged:
        they report, and the run is the job's either way.
        """
        ticket = _Ticket((source, run.precision.value), exclusive)
        with self._cond:
            self._waiting.append(ticket)
            why = "" if self._may_join(ticket) else self._why_wait(ticket)
        try:
            if why and on_wait is not None:
                _report(on_wait, why)
            with self._cond:  # waiting and joining under one hold: the group cannot change between
                self._cond.wait_for(lambda: self._may_join(ticket))
                self._waiting.remove(ticket)
                group = self._group
                if group is None:
                    trainer = FusedTrainer(run.base, max_rows=self.max_rows, share_passes=self.share_passes)
                    group = self._group = _Group(ticket.key, trainer, exclusive, label or source)
                    threading.Thread(target=self._step_until_empty, args=(group,), name=f"fused-{group.id}",
                                     daemon=True).start()
                future = group.trainer.add(run)
                group.jobs.add(job_id)
                self._cond.notify_all()
        finally:
            with self._cond:
                if ticket in self._waiting:  # it never joined
                    self._waiting.remove(ticket)
                    self._cond.notify_all()
        try:
            if on_join is not None:
                _report(on_join, group.id)
            return future.result()
        finally:
            with self._cond:
                group.jobs.discard(job_id)
                self._cond.notify_all()

    def snapshot(self) -> list[GroupSnapshot]:
        with self._cond:
            return [self._group.snapshot()] if self._group is not None else []

    def _why_wait(self, ticket: _Ticket) -> str:
        group = self._group
        if group is None:
            return "Waiting for the jobs queued before it on this worker"
        jobs = f"{len(group.jobs)} job{'' if len(group.jobs) == 1 else 's'}"
        if group.exclusive:
            return f"Waiting: a job asked to train alone on this worker ({group.label})"
        if ticket.exclusive:
            return f"Waiting to train alone: {jobs} training on {group.label} on this worker must end first"
        if group.key != ticket.key:
            return (f"Waiting: this worker trains {jobs} on {group.label} ({group.key[1]}); this job starts "
                    "when they end")
        return f"Waiting: {jobs} already train together on {group.label}, the most this worker takes"

    def _may_join(self, ticket: _Ticket) -> bool:
        ahead = self._waiting[: self._waiting.index(ticket)]
        group = self._group
        if group is None:
            return not ahead
        if ticket.exclusive or group.exclusive or group.key != ticket.key or len(group.jobs) >= self.max_jobs:
            return False
        return all(t.key == group.key and not t.exclusive for t in ahead)

    def _step_until_empty(self, group: _Group) -> None:
        try:
            while True:
                with self._cond:
                    if group.trainer.size == 0:
                        self._group = None
                        self._cond.notify_all()
                        return
                group.trainer.step()  # outside the lock: jobs join meanwhile (add is thread-safe)
        except BaseException as exc:  # a failure outside any one run: every run of the group ends with it
            logger.exception("the fused trainer of group %s failed", group.id)
            with self._cond:
                group.trainer.fail_all(exc)
                self._group = None
                self._cond.notify_all()
        finally:
            # The runs' progress and cancel callbacks used this thread's own database connection.
            from django.db import connection

            connection.close()


def _report(callback: Callable[[str], None], value: str) -> None:
    try:
        callback(value)
    except Exception:  # noqa: BLE001 - a report lost to a database outage must not orphan a run
        logger.warning("could not report a training group change", exc_info=True)


_groups: TrainingGroups | None = None
_groups_lock = threading.Lock()


def get_groups() -> TrainingGroups:
    """This process's training groups (job tasks run in its thread pool)."""
    global _groups
    with _groups_lock:
        if _groups is None:
            from django.conf import settings

            _groups = TrainingGroups(settings.FUSED_MAX_JOBS, settings.FUSED_MAX_ROWS, settings.FUSED_SHARE_PASSES)
        return _groups
