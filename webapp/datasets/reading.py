"""The upload's view of a table: its columns, a preview and each column's value counts.

Reading itself is tuning_core's (`tuning_core.reading`): every format streamed with memory bounded
by one row (or one Parquet batch), problems as `DataProblem`s with 1-based data rows, the same
reader `tuning_core.data.read_table` uses. What is left here serves the upload pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuning_core.data import cell_text
from tuning_core.errors import DataError, DataProblem
from tuning_core.reading import SUFFIXES, check_file, iter_rows, read_header

# Formats a browser user may pick from a file picker; shown in the "accept" attribute.
ACCEPT = ",".join(sorted(SUFFIXES))
PREVIEW_ROWS = 5
# Distinct values counted per column while scanning: enough to detect a label column, prefill its
# label map and show its distribution, small enough that a free-text column costs nothing.
DISTINCT_CAP = 200
# What a split column may hold (compared trimmed and lower-cased), and the split each names.
SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "validation": "validation", "valid": "validation", "val": "validation", "dev": "validation",
    "test": "test", "testing": "test",
}

# ----------------------------------------------------------------------------------------------
# the scan an upload gets before anything is stored


@dataclass
class FileScan:
    columns: list[str]
    rows: int
    preview: list[dict[str, str]]
    # column -> value (as text, trimmed) -> rows, for the columns of at most DISTINCT_CAP values;
    # `many` lists the columns past the cap.
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    many: list[str] = field(default_factory=list)
    # For each column holding only split names: its value -> column -> value -> rows, so the
    # mapping page can show each split's label distribution before anything is processed.
    by_split: dict[str, dict[str, dict[str, dict[str, int]]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileScan:
        data = dict(data)
        if "distinct" in data:  # staged before counts were kept: values known, counts not
            data["counts"] = {c: dict.fromkeys(values, 0) for c, values in data.pop("distinct").items()}
        return cls(**data)

    def distinct(self, column: str) -> list[str] | None:
        """The column's distinct values in first-seen order; None when there were too many to keep."""
        if column in self.many or column not in self.counts:
            return None
        return list(self.counts[column])


class _Counting:
    """Value counts per column, and per split-like column the counts within each of its values.

    Runs once per row of files up to the upload limit, inside the upload's request: plain dicts,
    and no work for split columns once no column can be one (after the first rows, usually)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        self.many: set[str] = set()
        self.by_split: dict[str, dict[str, dict[str, dict[str, int]]]] | None = None

    def add(self, row: dict[str, Any]) -> None:
        counts = self.counts
        for key, value in row.items():
            text = cell_text(value).strip()
            seen = counts.get(key)
            if seen is None:
                if key in self.many:
                    continue
                seen = counts[key] = {}
            n = seen.get(text)
            if n is None:
                seen[text] = 1
                if len(seen) > DISTINCT_CAP:
                    self._too_many(key)
            else:
                seen[text] = n + 1
        if self.by_split is None:  # every column of the first row may turn out to name splits
            self.by_split = {key: {} for key in row}
        if self.by_split:
            self._add_within_splits({key: cell_text(value).strip() for key, value in row.items()})

    def _add_within_splits(self, texts: dict[str, str]) -> None:
        assert self.by_split is not None
        for key in list(self.by_split):
            split = texts.get(key, "")
            if split.lower() not in SPLIT_ALIASES:
                del self.by_split[key]
                continue
            within = self.by_split[key].setdefault(split, {})
            for column, text in texts.items():
                if column != key and column not in self.many:
                    seen = within.setdefault(column, {})
                    seen[text] = seen.get(text, 0) + 1

    def _too_many(self, key: str) -> None:
        self.many.add(key)
        del self.counts[key]
        for splits in (self.by_split or {}).values():
            for within in splits.values():
                within.pop(key, None)

    def scan(self, columns: list[str], rows: int, preview: list[dict[str, str]]) -> FileScan:
        return FileScan(
            columns=columns, rows=rows, preview=preview,
            counts=self.counts, many=sorted(self.many), by_split=self.by_split or {},
        )


def scan_file(path: Path, fmt: str, name: str) -> FileScan:
    """Check a whole file and collect its columns, a preview and each column's value counts.

    Raises DataError listing every problem (capped) so the upload can be refused before any
    row or file is stored.
    """
    check_file(path, fmt, name)
    problems: list[DataProblem] = []
    columns: dict[str, None] = dict.fromkeys(read_header(path, fmt, name))
    preview: list[dict[str, str]] = []
    counting = _Counting()
    rows = 0
    for _, obj in iter_rows(path, fmt, name, problems):
        rows += 1
        columns.update(dict.fromkeys(obj))
        counting.add(obj)
        if len(preview) < PREVIEW_ROWS:
            preview.append({k: cell_text(v) for k, v in obj.items()})
    if problems:
        raise DataError(problems)
    if rows == 0:
        raise DataError(DataProblem("The file has no data rows", file=name))
    if not columns:
        raise DataError(DataProblem("The rows have no fields: give each row at least an input and a label",
                                    file=name))
    return counting.scan(list(columns), rows, preview)
