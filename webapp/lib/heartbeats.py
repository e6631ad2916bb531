"""The worker heartbeat store in Redis: what each worker process wrote, and when.

Workers write (`workers.heartbeat` runs the thread); the web side only reads, so it never
loads the worker's Celery signal handlers. A worker that dies stops refreshing its key and
drops out once the key expires.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import redis
from django.conf import settings

KEY_PREFIX = "sps:worker-heartbeat:"


@dataclass(frozen=True)
class TrainingGroup:
    """A worker's fused training group, as its heartbeat reports it."""

    base_model: str
    precision: str
    jobs: int
    steps_per_second: float


@dataclass(frozen=True)
class Heartbeat:
    hostname: str
    timestamp: float
    queues: tuple[str, ...]
    groups: tuple[TrainingGroup, ...] = ()


def write_heartbeat(client: redis.Redis, hostname: str, queues: tuple[str, ...], ttl: int,
                    groups: tuple[TrainingGroup, ...] = ()) -> None:
    payload = json.dumps({"hostname": hostname, "timestamp": time.time(), "queues": list(queues),
                          "groups": [asdict(g) for g in groups]})
    client.set(KEY_PREFIX + hostname, payload, ex=ttl)


def delete_heartbeat(client: redis.Redis, hostname: str) -> None:
    client.delete(KEY_PREFIX + hostname)


def read_heartbeats(client: redis.Redis) -> list[Heartbeat]:
    beats = []
    for key in client.scan_iter(match=KEY_PREFIX + "*", count=100):
        raw = client.get(key)
        if raw is None:
            continue
        data = json.loads(raw)
        groups = tuple(TrainingGroup(**g) for g in data.get("groups", ()))
        beats.append(Heartbeat(data["hostname"], float(data["timestamp"]), tuple(data["queues"]), groups))
    return beats


def redis_client() -> redis.Redis:
    """A client that gives up within 2 s: health checks answer rather than hang."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def fresh_heartbeats() -> list[Heartbeat]:
    """Workers that reported within WORKER_HEARTBEAT_TIMEOUT; raises RedisError when Redis is down."""
    now = time.time()
    return [b for b in read_heartbeats(redis_client()) if now - b.timestamp <= settings.WORKER_HEARTBEAT_TIMEOUT]


def live_queues() -> set[str] | None:
    """Queues consumed by workers whose heartbeat is fresh; None when Redis cannot tell."""
    try:
        return {q for b in fresh_heartbeats() for q in b.queues}
    except redis.RedisError:
        return None
