"""`manage.py check --deploy` is clean with the production settings the README documents,
and not with the development defaults."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_production_env() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n# production settings\n(.*?)```", readme, re.S)
    assert block, "the README lost its production settings block"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_it_is_clean_with_the_documented_production_settings(tmp_path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50))
    # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process; production never does.
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(documented_production_env(), SECRET_KEY_FILE=str(key_file))

    result = deploy_check(env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_warns_with_the_development_defaults() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_")}
    result = deploy_check(env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008"):  # no HSTS, no HTTPS redirect
        assert warning in result.stdout + result.stderr
