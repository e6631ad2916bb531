"""'Compute nearest tokens' on the compare page: a real worker reads the base model's embeddings
from its checkpoint file and stores each position's nearest vocabulary tokens."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from webapp.prompts.models import PromptVersion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_a_worker_stores_the_nearest_tokens(alice: Any, lineage_versions: list[PromptVersion],
                                            celery_worker_process: Any) -> None:
    v1, v2, _ = lineage_versions
    client = Client()
    client.force_login(alice)
    response = client.post("/prompts/compare/neighbours/", {"v": [v1.pk, v2.pk]})
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = [v.nearest_tokens.get("status") for v in PromptVersion.objects.filter(pk__in=[v1.pk, v2.pk])]
        if states == ["done", "done"]:
            break
        time.sleep(0.5)
    v1.refresh_from_db()
    assert v1.nearest_tokens["status"] == "done", v1.nearest_tokens
    assert len(v1.nearest_tokens["rows"]) == v1.prompt_length
    html = client.get(f"/prompts/compare/?v={v1.pk}&v={v2.pk}").content.decode()
    assert f"{v1.prompt_length} positions" in html
    assert "computing…" not in html
