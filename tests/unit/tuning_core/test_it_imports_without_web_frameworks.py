from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MODULES = [
    "tuning_core",
    "tuning_core.config",
    "tuning_core.errors",
    "tuning_core.model",
    "tuning_core.prompt_init",
    "tuning_core.adafactor",
    "tuning_core.fingerprint",
    "tuning_core.reading",
    "tuning_core.data",
    "tuning_core.batches",
    "tuning_core.voting",
    "tuning_core.hub",
    "tuning_core.checksum",
    "tuning_core.train",
    "tuning_core.evaluate",
    "tuning_core.metrics",
    "tuning_core.ensemble",
    "tuning_core.interpret",
    "tuning_core.export",
    "tuning_core.tiny",
    "tuning_core.__main__",
]


def test_it_imports_no_django_celery_or_channels():
    code = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery', 'channels', 'kombu'))\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# What the web process takes from tuning_core: it never loads a model, so it must not pay for torch.
WITHOUT_TORCH = ["tuning_core", "tuning_core.config", "tuning_core.errors", "tuning_core.task", "tuning_core.reading",
                 "tuning_core.data", "tuning_core.voting", "tuning_core.hub", "tuning_core.checksum",
                 "tuning_core.metrics", "tuning_core.sweep", "tuning_core.significance", "tuning_core.prompt_geometry"]


def test_it_keeps_the_package_import_light():
    code = f"import importlib, sys\nfor name in {WITHOUT_TORCH!r}: importlib.import_module(name)\nprint('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
