from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.factories import review_rows, write_csv, write_jsonl
from tuning_core.reading import iter_rows
from webapp.datasets.reading import scan_file

ROWS = review_rows(12)


@pytest.fixture
def files(tmp_path):
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
def test_it_reads_the_same_rows_from_every_format(files, fmt: str) -> None:
    problems: list = []
    rows = [row for _, row in iter_rows(files[fmt], fmt, f"d.{fmt}", problems)]
    assert problems == []
    assert rows == ROWS
    scan = scan_file(files[fmt], fmt, f"d.{fmt}")
    assert scan.columns == ["text", "label"]
    assert scan.rows == 12
    assert scan.distinct("label") == ["1", "0"]
    assert scan.many == []

