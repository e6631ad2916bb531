"""The job page's "Every setting" is JSON a person can copy into a script, not Python reprs."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client

from tests.support.jobs import launch

pytestmark = pytest.mark.django_db


def test_every_setting_is_json(alice, ready_dataset, tiny_base_model) -> None:
    job = launch(alice, ready_dataset, tiny_base_model, max_steps=10, eval_every=5)
    client = Client()
    client.force_login(alice)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    shown = re.search(r'<pre id="job-every-setting">(.*?)</pre>', page, re.S)
    assert shown is not None
    settings = json.loads(html.unescape(shown.group(1)))
    assert settings == {"prompt_config": job.prompt_config, "train_config": job.train_config}
