"""Liveness of the services the product needs, for /healthz and the nav badge."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import redis
from django.conf import settings
from django.db import connection

from webapp.lib import media
from webapp.lib.heartbeats import TrainingGroup, fresh_heartbeats, redis_client
from webapp.lib.prediction_calls import prediction_server_alive

State = Literal["ok", "down"]


@dataclass(frozen=True)
class ComponentHealth:
    status: State
    detail: str


@dataclass(frozen=True)
class Health:
    database: ComponentHealth
    redis: ComponentHealth
    worker: ComponentHealth
    storage: ComponentHealth
    # Shown, but not part of `ok`: uploading, training and every page work without it; only
    # predict calls need it (and say so with a 503 of their own).
    serving: ComponentHealth
    # Each live worker's fused training groups: (worker, group).
    training_groups: tuple[tuple[str, TrainingGroup], ...] = ()

    @property
    def ok(self) -> bool:
        return all(c.status == "ok" for c in (self.database, self.redis, self.worker, self.storage))

    def to_dict(self) -> dict[str, object]:
        components = {k: asdict(v) for k, v in vars(self).items() if isinstance(v, ComponentHealth)}
        groups = [{"worker": worker, **asdict(group)} for worker, group in self.training_groups]
        return {"status": "ok" if self.ok else "degraded", **components, "training_groups": groups}


def check_database() -> ComponentHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return ComponentHealth("ok", "PostgreSQL answers")
    except Exception as exc:  # any driver error means "down" for a health probe
        return ComponentHealth("down", f"PostgreSQL unreachable: {exc.__class__.__name__}")


def check_redis() -> ComponentHealth:
    try:
        redis_client().ping()
        return ComponentHealth("ok", "Redis answers")
    except redis.RedisError as exc:
        return ComponentHealth("down", f"Redis unreachable: {exc.__class__.__name__}")


def check_worker() -> ComponentHealth:
    try:
        fresh = fresh_heartbeats()
    except redis.RedisError:
        return ComponentHealth("down", "worker heartbeat unknown: Redis unreachable")
    if not fresh:
        return ComponentHealth("down", "no Celery worker has reported in the last "
                               f"{settings.WORKER_HEARTBEAT_TIMEOUT} s")
    names = ", ".join(sorted(b.hostname for b in fresh))
    return ComponentHealth("ok", f"{len(fresh)} worker(s) alive: {names}")


def check_storage() -> ComponentHealth:
    try:
        return ComponentHealth("ok", media.where())
    except Exception as exc:  # a bucket that is gone, refused keys, an unwritable folder: all "down"
        return ComponentHealth("down", f"file storage unreachable: {exc.__class__.__name__}: {exc}"[:300])


def check_serving() -> ComponentHealth:
    try:
        alive = prediction_server_alive()
    except redis.RedisError:
        return ComponentHealth("down", "prediction server unknown: Redis unreachable")
    if alive is None:
        return ComponentHealth("down", "not running: predict calls answer 503 (make run and compose's "
                                       "`serving` start it)")
    return ComponentHealth("ok", f"answering predict calls on {alive.get('host', '?')} (pid {alive.get('pid', '?')})")


def training_groups() -> tuple[tuple[str, TrainingGroup], ...]:
    """Every live worker's fused training groups; none when Redis cannot tell."""
    try:
        return tuple((b.hostname, g) for b in fresh_heartbeats() for g in b.groups)
    except redis.RedisError:
        return ()


def check_all() -> Health:
    return Health(database=check_database(), redis=check_redis(), worker=check_worker(), storage=check_storage(),
                  serving=check_serving(), training_groups=training_groups())

