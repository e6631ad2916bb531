"""The dataset page: splits, label chart, length histograms, searchable paginated rows, download."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import make_dataset, upload_dataset
from webapp.datasets import token_lengths

pytestmark = pytest.mark.django_db


def test_it_pages_and_searches_rows(client, alice, tmp_path) -> None:
    dataset = make_dataset(alice, tmp_path, rows=100)
    client.force_login(alice)
    page = client.get(f"/datasets/{dataset.pk}/")
    assert page.context["samples"].total == 80
    assert page.context["samples"].pages == 4
    assert len(page.context["samples"].rows) == 20
    second = client.get(f"/datasets/{dataset.pk}/", {"split": "train", "page": 2}).context["samples"]
    assert second.page == 2
    assert second.rows[0] != page.context["samples"].rows[0]

    found = client.get(f"/datasets/{dataset.pk}/", {"split": "validation", "q": "BORING"}).context["samples"]
    assert found.total > 0
    assert all("boring" in r["input_text"].lower() for r in found.rows)

    # Bad query parameters fall back to defaults instead of failing.
    assert client.get(f"/datasets/{dataset.pk}/", {"split": "nope", "page": "x"}).status_code == 200


def test_it_escapes_text_from_files(client, alice, tmp_path) -> None:
    from tests.factories import write_csv
    from webapp.datasets.processing import Mapping

    rows = [{"text": "<script>alert(1)</script>", "label": "<b>pos</b>"}, {"text": "fine", "label": "neg"}] * 5
    rows = [{**r, "text": f"{r['text']} {i}"} for i, r in enumerate(rows)]
    path = write_csv(tmp_path / "x.csv", rows)
    dataset = upload_dataset(alice, path, Mapping("{text}", "label", {}, split_mode="auto", validation_ratio=0,
                                                  test_ratio=0), name="<i>x</i>")
    client.force_login(alice)
    html = client.get(f"/datasets/{dataset.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>pos</b>" not in html
    assert "&lt;b&gt;pos&lt;/b&gt;" in html
    assert "<i>x</i>" not in html


def test_it_downloads_a_split_with_formulas_neutralised(client, alice, tmp_path) -> None:
    from tests.factories import write_csv
    from webapp.datasets.processing import Mapping

    rows = [{"text": f"=HYPERLINK(\"http://evil\",\"{i}\")", "label": "+cmd" if i % 2 else "neg"} for i in range(10)]
    path = write_csv(tmp_path / "f.csv", rows)
    dataset = upload_dataset(alice, path, Mapping("{text}", "label", {}, validation_ratio=0, test_ratio=0))
    client.force_login(alice)
    response = client.get(f"/datasets/{dataset.pk}/download/train.csv")
    assert response["Content-Disposition"] == f'attachment; filename="dataset-{dataset.pk}-train.csv"'
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(body)))
    assert len(table) == 10
    assert all(r["input_text"].startswith("'=HYPERLINK") for r in table)
    assert {r["target_text"] for r in table} == {"'+cmd", "neg"}
    assert client.get(f"/datasets/{dataset.pk}/download/test.csv").status_code == 404


def test_it_measures_token_lengths_of_a_base_model(client, alice, tmp_path, monkeypatch) -> None:
    from tuning_core.tiny import build_tiny_t5

    tiny = str(build_tiny_t5(tmp_path / "tiny"))
    monkeypatch.setattr(token_lengths, "tokenizer_choices", lambda: [("tiny-t5", tiny)])
    dataset = make_dataset(alice, tmp_path, rows=40)
    client.force_login(alice)
    page = f"/datasets/{dataset.pk}/"
    assert "Not measured yet with tiny-t5 at 8 tokens" in client.get(page, {"model": "tiny-t5", "max_length": 8}).content.decode()
    response = client.post(f"{page}token-lengths/", {"model": "tiny-t5", "max_length": 8})
    assert response.status_code == 302
    assert "Measuring token lengths" in client.get(response["Location"]).content.decode()

    token_lengths.measure_token_lengths(dataset.pk, tiny, 8)  # what the worker's task runs
    token_lengths.measure_token_lengths(dataset.pk, tiny, 512)
    html = client.get(page, {"model": "tiny-t5", "max_length": 8}).content.decode()
    assert 'aria-label="Tokens per input"' in html
    assert 'aria-label="Tokens per target"' in html
    assert "are longer than 8 tokens of tiny-t5 and will be truncated" in html
    html = client.get(f"/datasets/{dataset.pk}/", {"model": "tiny-t5", "max_length": 512}).content.decode()
    assert "Every input fits in 512 tokens." in html
