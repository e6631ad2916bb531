"""Settings refuse malformed environment values with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.processes import REPO_ROOT

GOOD_ENV = {
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "s",
}


def import_settings(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in GOOD_ENV and not k.startswith("CELERY_")}
    env.update(GOOD_ENV)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import webapp.settings"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_it_accepts_good_values() -> None:
    assert import_settings().returncode == 0


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "must be a PostgreSQL URL"),
        ("DATABASE_URL", "postgres://u:p@host:notaport/db", "DATABASE_URL='postgres://u:p@host:notaport/db' has an invalid port"),
        ("DATABASE_URL", "postgres://u:p@host:5432/", "names no database"),
        ("REDIS_URL", "http://localhost:6379", "REDIS_URL='http://localhost:6379' must be a redis://"),
        ("UPLOAD_MAX_BYTES", "lots", "UPLOAD_MAX_BYTES='lots' is not a size"),
        ("WORKER_HEARTBEAT_TIMEOUT", "ten", "WORKER_HEARTBEAT_TIMEOUT='ten' is not a whole number"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' must be one of"),
        ("SECRET_KEY", "", "SECRET_KEY is empty"),
        ("CELERY_VISIBILITY_TIMEOUT", "60", "CELERY_VISIBILITY_TIMEOUT=60 must exceed CELERY_TASK_TIME_LIMIT"),
    ],
)
def test_it_refuses_a_bad_value(variable: str, value: str, message: str) -> None:
    result = import_settings(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_it_reads_secrets_from_a_file(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, **GOOD_ENV, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret),
             "DJANGO_SETTINGS_MODULE": "webapp.settings"},
    )
    assert result.stdout.strip() == "from-a-file"


def test_it_parses_sizes() -> None:
    from webapp.lib.env import env_bytes

    os.environ["SPS_TEST_SIZE"] = "1.5GB"
    try:
        assert env_bytes("SPS_TEST_SIZE", 1) == int(1.5 * 1024**3)
    finally:
        del os.environ["SPS_TEST_SIZE"]
