"""The dataset page asks for token lengths; a real worker measures them and the page shows them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.factories import make_dataset
from tests.support.waiting import wait_for
from webapp.datasets import token_lengths

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_measures_what_the_page_asked_for(alice, tmp_path, tiny_model_dir: Path, monkeypatch,
                                                    celery_worker_process) -> None:
    monkeypatch.setattr(token_lengths, "tokenizer_choices", lambda: [("tiny-t5", str(tiny_model_dir))])
    dataset = make_dataset(alice, tmp_path, rows=40)
    client = Client()
    client.force_login(alice)

    client.post(f"/datasets/{dataset.pk}/token-lengths/", {"model": "tiny-t5", "max_length": 8})

    def measured() -> bool:
        dataset.refresh_from_db()
        entry = token_lengths.token_lengths(dataset, str(tiny_model_dir), 8)
        return entry is not None and "histogram" in entry

    wait_for(measured, timeout=60, what="the worker to measure token lengths")
    html = client.get(f"/datasets/{dataset.pk}/", {"model": "tiny-t5", "max_length": 8}).content.decode()
    assert "are longer than 8 tokens of tiny-t5 and will be truncated" in html
