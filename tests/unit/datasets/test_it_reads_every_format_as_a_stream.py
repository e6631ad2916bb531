from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.factories import review_rows, write_csv, write_jsonl
from webapp.datasets import reading
from webapp.datasets.reading import iter_rows, scan_file

ROWS = review_rows(12)


@pytest.fixture
def files(tmp_path):  # type: ignore[no-untyped-def]
    json_path = tmp_path / "d.json"
    json_path.write_text(json.dumps(ROWS, indent=2))
    parquet_path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), parquet_path)
    return {
        "csv": write_csv(tmp_path / "d.csv", ROWS),
        "tsv": write_csv(tmp_path / "d.tsv", ROWS, delimiter="\t"),
        "jsonl": write_jsonl(tmp_path / "d.jsonl", ROWS),
        "json": json_path,
        "parquet": parquet_path,
    }


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_it_reads_the_same_rows_from_every_format(files, fmt: str) -> None:  # type: ignore[no-untyped-def]
    problems: list = []
    rows = [row for _, row in iter_rows(files[fmt], fmt, f"d.{fmt}", problems)]
    assert problems == []
    assert rows == ROWS
    scan = scan_file(files[fmt], fmt, f"d.{fmt}")
    assert scan.columns == ["text", "label"]
    assert scan.rows == 12
    assert scan.distinct["label"] == ["1", "0"]
    assert scan.many == []


def test_it_streams_a_json_array_across_chunk_boundaries(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading, "CHUNK", 7)  # every object spans several reads
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"text": "é" * (i % 5) + f"row {i}", "label": i % 2} for i in range(50)]))
    problems: list = []
    rows = list(iter_rows(path, "json", "d.json", problems))
    assert problems == []
    assert [n for n, _ in rows] == list(range(1, 51))
    assert rows[49][1] == {"text": "éééé" + "row 49", "label": 1}
