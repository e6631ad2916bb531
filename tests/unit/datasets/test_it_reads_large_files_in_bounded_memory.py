"""The upload scan holds one row at a time: its peak memory does not grow with the file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from webapp.datasets.reading import FileScan, scan_file

pytestmark = pytest.mark.slow

MB = 1024**2
REVIEW = "A long review of a film that goes on for a while and then some more; row {i},{label}\n"


def reviews_csv(path: Path, rows: int) -> Path:
    with path.open("w") as fh:
        fh.write("text,label\n")
        for i in range(rows):
            fh.write(REVIEW.format(i=i, label=i % 3))
    return path


def scan_with_peak(path: Path) -> tuple[FileScan, int]:
    tracemalloc.start()
    try:
        scan = scan_file(path, "csv", path.name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return scan, peak


def test_a_file_five_times_larger_takes_no_more_memory_to_scan(tmp_path) -> None:
    small = reviews_csv(tmp_path / "small.csv", 13_000)
    large = reviews_csv(tmp_path / "large.csv", 65_000)
    assert large.stat().st_size > 5 * small.stat().st_size > 5 * 1_000_000

    _, small_peak = scan_with_peak(small)
    scan, large_peak = scan_with_peak(large)

    assert scan.rows == 65_000
    assert scan.distinct("label") == ["0", "1", "2"]
    assert scan.many == ["text"]
    # A scan that kept rows, or the file, would add ~4 MB between the two files.
    assert large_peak - small_peak < MB // 4, f"{small_peak / MB:.2f} MB -> {large_peak / MB:.2f} MB"
    assert large_peak < large.stat().st_size * 0.6, f"peak {large_peak / MB:.1f} MB"
