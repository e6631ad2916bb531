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
