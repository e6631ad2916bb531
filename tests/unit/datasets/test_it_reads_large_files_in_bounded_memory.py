"""The upload scan holds one row at a time: its peak memory does not grow with the file."""

from __future__ import annotations

import tracemalloc

import pytest

from webapp.datasets.reading import scan_file

pytestmark = pytest.mark.slow


def test_the_scan_of_a_20_mb_file_stays_small(tmp_path) -> None:
    path = tmp_path / "big.csv"
    line = "A long review of a film that goes on for a while and then some more; row {i},{label}\n"
    with path.open("w") as fh:
        fh.write("text,label\n")
        for i in range(260_000):
            fh.write(line.format(i=i, label=i % 3))
    assert path.stat().st_size > 20 * 1024**2

    tracemalloc.start()
    try:
        scan = scan_file(path, "csv", "big.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert scan.rows == 260_000
    assert scan.distinct("label") == ["0", "1", "2"]
    assert scan.many == ["text"]
    assert peak < 8 * 1024**2, f"peak {peak / 1024**2:.1f} MB"
