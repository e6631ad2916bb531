"""/healthz reports PostgreSQL, Redis and the worker heartbeat; 503 when one is down."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from tests.support.processes import free_port, port_open
from webapp.lib.heartbeats import write_heartbeat

pytestmark = pytest.mark.django_db


def test_it_is_green_with_everything_up(client, celery_worker_process) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["redis"]["status"] == "ok"
    assert body["worker"]["status"] == "ok"


@pytest.fixture
def own_redis(tmp_path) -> Iterator[str]:
    """A throwaway Redis server this test may stop."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if port_open(port):
            break
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()


def test_it_returns_503_when_redis_stops(client, settings, own_redis) -> None:
    settings.REDIS_URL = own_redis
    write_heartbeat(redis.Redis.from_url(own_redis), "worker@test", ("gpu",), ttl=60)
    assert client.get("/healthz").status_code == 200

    redis.Redis.from_url(own_redis).shutdown(nosave=True)

    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["redis"]["status"] == "down"
    assert body["database"]["status"] == "ok"


def test_it_returns_503_without_a_worker_heartbeat(client, settings, own_redis) -> None:
    settings.REDIS_URL = own_redis
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["status"] == "down"
    assert "no Celery worker" in response.json()["worker"]["detail"]
