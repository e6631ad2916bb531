"""The upload's scan counts each column's values, and within each split for a column of split
names, so the mapping page can show label distributions without reading the file again."""

from __future__ import annotations

from pathlib import Path

from tests.factories import write_csv
from webapp.datasets.reading import DISTINCT_CAP, FileScan, scan_file


def test_it_counts_values_and_values_within_each_split(tmp_path: Path) -> None:
    rows = ([{"text": f"a{i}", "label": "pos" if i < 3 else "neg", "split": "train"} for i in range(10)]
            + [{"text": f"b{i}", "label": "pos", "split": "Dev"} for i in range(4)])
    scan = scan_file(write_csv(tmp_path / "rows.csv", rows), "csv", "rows.csv")

    assert scan.counts["label"] == {"pos": 7, "neg": 7}
    assert list(scan.by_split) == ["split"]  # neither text nor label holds split names only
    assert scan.by_split["split"]["train"]["label"] == {"pos": 3, "neg": 7}
    assert scan.by_split["split"]["Dev"]["label"] == {"pos": 4}


def test_a_column_past_the_cap_keeps_no_counts(tmp_path: Path) -> None:
    rows = [{"text": f"t{i}", "label": "x", "split": "test"} for i in range(DISTINCT_CAP + 1)]
    scan = scan_file(write_csv(tmp_path / "rows.csv", rows), "csv", "rows.csv")

    assert scan.many == ["text"]
    assert scan.distinct("text") is None
    assert "text" not in scan.by_split["split"]["test"]
    assert scan.by_split["split"]["test"]["label"] == {"x": DISTINCT_CAP + 1}


def test_a_scan_stored_before_counts_reads_its_values() -> None:
    stored = {"columns": ["label"], "rows": 2, "preview": [], "distinct": {"label": ["b", "a"]}, "many": []}
    assert FileScan.from_json(stored).distinct("label") == ["b", "a"]
