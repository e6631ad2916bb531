"""The worker heartbeat store in Redis: what each worker process wrote, and when.

Workers write (`workers.heartbeat` runs the thread); the web side only reads, so it never
loads the worker's Celery signal handlers. A worker that dies stops refreshing its key and
drops out once the key expires.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis

KEY_PREFIX = "sps:worker-heartbeat:"


@dataclass(frozen=True)
class Heartbeat:
    hostname: str
    timestamp: float
    queues: tuple[str, ...]


def write_heartbeat(client: redis.Redis, hostname: str, queues: tuple[str, ...], ttl: int) -> None:
    payload = json.dumps({"hostname": hostname, "timestamp": time.time(), "queues": list(queues)})
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
        beats.append(Heartbeat(data["hostname"], float(data["timestamp"]), tuple(data["queues"])))
    return beats
