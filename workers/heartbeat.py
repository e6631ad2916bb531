"""The worker's heartbeat thread: refreshes this worker's key in the heartbeat store
(`webapp.lib.heartbeats`) and requeues jobs of workers that stopped refreshing theirs."""

from __future__ import annotations

import logging
import threading

import redis
from celery.signals import worker_ready, worker_shutdown

from webapp.lib.heartbeats import TrainingGroup, delete_heartbeat, write_heartbeat

logger = logging.getLogger(__name__)


class _HeartbeatThread(threading.Thread):
    def __init__(self, hostname: str, queues: tuple[str, ...]) -> None:
        super().__init__(name="sps-heartbeat", daemon=True)
        self.hostname = hostname
        self.queues = queues
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.conf import settings

        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
        interval = settings.WORKER_HEARTBEAT_INTERVAL
        ttl = settings.WORKER_HEARTBEAT_TIMEOUT
        redis_down = False
        while not self.stopped.is_set():
            try:
                write_heartbeat(client, self.hostname, self.queues, ttl, groups=training_groups())
            except redis.RedisError as exc:
                # Once per outage, not a traceback every interval while Redis is away.
                if not redis_down:
                    logger.warning("could not write the worker heartbeat (%s); retrying quietly", exc)
                redis_down = True
            else:
                if redis_down:
                    logger.warning("worker heartbeat written again: Redis is back")
                redis_down = False
            self._recover_jobs_of_dead_workers()
            self.stopped.wait(interval)
        try:
            delete_heartbeat(client, self.hostname)
        except redis.RedisError:
            pass

    def _recover_jobs_of_dead_workers(self) -> None:
        # A worker that was SIGKILLed never acknowledges its task, and the broker
        # would only re-deliver it after the visibility timeout (hours): a live
        # worker requeues such jobs as soon as their heartbeat is stale.
        from django.db import close_old_connections

        from webapp.jobs.services import reap_stale_jobs

        try:
            reaped = reap_stale_jobs(live_queues=set(self.queues))
            if reaped:
                logger.warning("recovered jobs of a dead worker: %s", reaped)
        except Exception:
            logger.warning("could not check for jobs of dead workers", exc_info=True)
        finally:
            close_old_connections()


def training_groups() -> tuple[TrainingGroup, ...]:
    """This process's fused training groups (its job tasks run in its thread pool)."""
    from workers.training_groups import get_groups

    return tuple(TrainingGroup(g.base_model, g.precision, g.jobs, g.steps_per_second)
                 for g in get_groups().snapshot())


_thread: _HeartbeatThread | None = None


@worker_ready.connect
def _start_heartbeat(sender, **kwargs) -> None:  # type: ignore[no-untyped-def]
    global _thread
    consumer = sender
    queues = tuple(sorted(q.name for q in consumer.task_consumer.queues)) if consumer.task_consumer else ()
    _thread = _HeartbeatThread(consumer.hostname, queues)
    _thread.start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:  # type: ignore[no-untyped-def]
    if _thread is not None:
        _thread.stopped.set()
        _thread.join(timeout=5)
