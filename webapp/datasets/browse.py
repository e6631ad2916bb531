"""Reading processed splits for the dataset page and downloads (memory-mapped Arrow, read-only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from webapp.datasets.models import Dataset
from webapp.lib.splits import load_split

PAGE_SIZE = 20
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass
class SamplePage:
    rows: list[dict[str, Any]]
    total: int  # rows matching the search
    page: int
    pages: int


def _table(dataset: Dataset, split: str) -> Any:
    return load_split(dataset.split_path(split)).data.table


def sample_rows(dataset: Dataset, split: str, query: str = "", page: int = 1) -> SamplePage:
    """One page of a split's rows, optionally only those whose input or target contains `query`
    (case-insensitive)."""
    import pyarrow.compute as pc

    table = _table(dataset, split)
    if query:
        mask = pc.or_(
            pc.match_substring(table["input_text"], query, ignore_case=True),
            pc.match_substring(table["target_text"], query, ignore_case=True),
        )
        table = table.filter(mask)
    total = table.num_rows
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = table.slice((page - 1) * PAGE_SIZE, PAGE_SIZE).to_pylist()
    return SamplePage(rows=rows, total=total, page=page, pages=pages)


def neutralise(value: Any) -> str:
    """Cell text a spreadsheet shows as text: a leading quote stops formula evaluation."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(dataset: Dataset, split: str, batch_size: int = 2000) -> Iterator[bytes]:
    """The processed split as CSV, streamed batch by batch, formulas neutralised."""
    table = _table(dataset, split)
    columns = ["input_text", "target_text", "raw_label", "source_row"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer.writerow(columns)
    for batch in table.select(columns).to_batches(max_chunksize=batch_size):
        for row in batch.to_pylist():
            writer.writerow([neutralise(row[c]) for c in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
