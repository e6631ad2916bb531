"""Two test processes (pytest-xdist) never share a Redis database or a media folder: job and
user ids repeat across their PostgreSQL databases, so anything keyed by them would cross."""

from __future__ import annotations

from tests.support.parallel import isolate, redis_url_for, worker_number


def test_each_process_gets_its_own_redis_database() -> None:
    assert redis_url_for("redis://127.0.0.1:40001/0", worker_number("gw0")) == "redis://127.0.0.1:40001/1"
    assert redis_url_for("redis://:pw@host:6379/0", worker_number("gw1")) == "redis://:pw@host:6379/2"


def test_each_process_gets_its_own_media_and_model_cache() -> None:
    environ = {"REDIS_URL": "redis://127.0.0.1:40001/0", "MEDIA_ROOT": "/tmp/t/media",
               "MODEL_CACHE_DIR": "/tmp/t/models", "HF_HOME": "/tmp/t/hf"}
    isolate(environ, 1)
    assert environ == {"REDIS_URL": "redis://127.0.0.1:40001/2", "MEDIA_ROOT": "/tmp/t/media/gw1",
                       "MODEL_CACHE_DIR": "/tmp/t/models/gw1", "HF_HOME": "/tmp/t/hf"}


def test_this_process_reads_the_isolated_settings() -> None:
    import os

    from django.conf import settings

    if os.environ.get("PYTEST_XDIST_WORKER"):
        assert settings.REDIS_URL.endswith(f"/{1 + worker_number(os.environ['PYTEST_XDIST_WORKER'])}")
        assert str(settings.MEDIA_ROOT).endswith(os.environ["PYTEST_XDIST_WORKER"])
