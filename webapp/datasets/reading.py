"""The upload's view of a table: its columns, a preview and each column's distinct values.

Reading itself is tuning_core's (`tuning_core.reading`): every format streamed with memory bounded
by one row (or one Parquet batch), problems as `DataProblem`s with 1-based data rows, the same
reader `tuning_core.data.read_table` uses. What is left here serves the upload pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tuning_core.data import cell_text
from tuning_core.errors import DataError, DataProblem
from tuning_core.reading import SUFFIXES, check_file, iter_rows, read_header

# Formats a browser user may pick from a file picker; shown in the "accept" attribute.
ACCEPT = ",".join(sorted(SUFFIXES))
PREVIEW_ROWS = 5
# Distinct values kept per column while scanning: enough to detect a label column and prefill its
# label map, small enough that a free-text column costs nothing.
DISTINCT_CAP = 200


# ----------------------------------------------------------------------------------------------
# the scan an upload gets before anything is stored


@dataclass
class FileScan:
    columns: list[str]
    rows: int
    preview: list[dict[str, str]]
    # column -> distinct values (as text) up to DISTINCT_CAP; `many` lists the columns past the cap.
    distinct: dict[str, list[str]] = field(default_factory=dict)
    many: list[str] = field(default_factory=list)


def scan_file(path: Path, fmt: str, name: str) -> FileScan:
    """Check a whole file and collect its columns, a preview and each column's distinct values.

    Raises DataError listing every problem (capped) so the upload can be refused before any
    row or file is stored.
    """
    check_file(path, fmt, name)
    problems: list[DataProblem] = []
    columns: dict[str, None] = dict.fromkeys(read_header(path, fmt, name))
    preview: list[dict[str, str]] = []
    distinct: dict[str, dict[str, None]] = {}
    many: set[str] = set()
    rows = 0
    for _, obj in iter_rows(path, fmt, name, problems):
        rows += 1
        for key, value in obj.items():
            columns.setdefault(key, None)
            if key in many:
                continue
            seen = distinct.setdefault(key, {})
            seen[cell_text(value).strip()] = None
            if len(seen) > DISTINCT_CAP:
                many.add(key)
                del distinct[key]
        if len(preview) < PREVIEW_ROWS:
            preview.append({k: cell_text(v) for k, v in obj.items()})
    if problems:
        raise DataError(problems)
    if rows == 0:
        raise DataError(DataProblem("The file has no data rows", file=name))
    if not columns:
        raise DataError(DataProblem("The rows have no fields: give each row at least an input and a label",
                                    file=name))
    return FileScan(
        columns=list(columns), rows=rows, preview=preview,
        distinct={k: list(v) for k, v in distinct.items()}, many=sorted(many),
    )
