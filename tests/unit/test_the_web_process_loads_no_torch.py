"""The web process (Daphne, `manage.py`) never runs a model, so it does not import torch or
transformers: they would cost every start ~2 s and every web process hundreds of MB.

A fresh interpreter, as Daphne starts: this test process has torch loaded already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The ASGI application, and every view, API and consumer module the URLconf and routing name.
START_THE_WEB = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
import webapp.asgi
get_resolver().url_patterns
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))))
"""


def test_starting_the_web_imports_no_torch() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "webapp.settings", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", START_THE_WEB], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
