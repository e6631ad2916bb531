"""Reading uploaded tables row by row, with memory bounded by one row (or one Parquet batch).

`tuning_core.data.read_table` reads a whole file into memory, which suits training-time use on
files we already validated; uploads may be 200 MB, so here every format is streamed. Problems use
tuning_core's `DataProblem`, so the web and the engine describe a bad file the same way: row
numbers are 1-based data rows (the header of a CSV is row 0).
"""

from __future__ import annotations

import codecs
import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuning_core.data import FORMATS, MAX_PROBLEMS, _label_key
from tuning_core.errors import DataError, DataProblem

SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet", ".pq": "parquet",
}
# Formats a browser user may pick from a file picker; shown in the "accept" attribute.
ACCEPT = ",".join(sorted(SUFFIXES))
PREVIEW_ROWS = 5
# Distinct values kept per column while scanning: enough to detect a label column and prefill its
# label map, small enough that a free-text column costs nothing.
DISTINCT_CAP = 200
CHUNK = 1024 * 1024
MAX_OBJECT_CHARS = 16 * CHUNK  # one JSON array element may not be larger

# Magic numbers of archives and other binary files people upload by mistake.
_MAGIC: list[tuple[bytes, str, int]] = [
    (b"PK\x03\x04", "a ZIP archive (or an .xlsx/.docx file)", 0),
    (b"PK\x05\x06", "an empty ZIP archive", 0),
    (b"\x1f\x8b", "a gzip archive", 0),
    (b"BZh", "a bzip2 archive", 0),
    (b"\xfd7zXZ\x00", "an xz archive", 0),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", 0),
    (b"Rar!\x1a\x07", "a RAR archive", 0),
    (b"\x28\xb5\x2f\xfd", "a zstd archive", 0),
    (b"ustar", "a tar archive", 257),
    (b"%PDF", "a PDF document", 0),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.xls/.doc)", 0),
    (b"\x89PNG", "a PNG image", 0),
    (b"\xff\xd8\xff", "a JPEG image", 0),
    (b"GIF8", "a GIF image", 0),
    (b"\x7fELF", "an executable", 0),
    (b"MZ", "a Windows executable", 0),
    (b"SQLite format 3", "an SQLite database", 0),
    (b"ARROW1", "an Arrow file", 0),
]


def format_of(filename: str) -> str | None:
    return SUFFIXES.get(Path(filename).suffix.lower())


def _problem(message: str, file: str, row: int | None = None, column: str | None = None,
             severity: str = "error") -> DataProblem:
    return DataProblem(message, file=file, row=row, column=column, severity=severity)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# cheap checks on the raw bytes


def sniff_binary(path: Path, fmt: str, name: str) -> None:
    """Refuse archives and binary files by their first bytes (Parquet must look like Parquet)."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head:
        raise DataError(_problem("The file is empty", name))
    if fmt == "parquet":
        if head[:4] != b"PAR1":
            what = _describe_magic(head)
            raise DataError(_problem(
                f"This is not a Parquet file{f'; it looks like {what}' if what else ''}", name))
        return
    what = _describe_magic(head)
    if what:
        raise DataError(_problem(
            f"This is {what}, not a {fmt.upper()} text file; upload the table itself, uncompressed", name))
    if b"\x00" in head:
        # UTF-16 text is full of NUL bytes too: say so, since re-saving as UTF-8 fixes it.
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise DataError(_problem("Not UTF-8 text: it looks like UTF-16; save the file as UTF-8", name))
        raise DataError(_problem(f"This is a binary file, not a {fmt.upper()} text file", name))


def _describe_magic(head: bytes) -> str | None:
    for magic, what, offset in _MAGIC:
        if head[offset: offset + len(magic)] == magic:
            return what
    return None


def check_utf8(path: Path, name: str, fmt: str) -> None:
    """Decode the whole file as UTF-8 in chunks; on failure name the line and guess the encoding."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                pending = decoder.getstate()[0]  # bytes carried over from the previous chunk
                bad_at = offset - len(pending) + exc.start if exc.object is not chunk else offset + exc.start
                data = chunk if exc.object is chunk else exc.object
                line += data[: exc.start].count(b"\n")
                guess = guess_encoding(path, bad_at)
                hint = f"; it looks like {guess}" if guess else ""
                row = line - 1 if fmt in ("csv", "tsv") else line
                raise DataError(_problem(
                    f"Not valid UTF-8 at line {line} (byte {bad_at}){hint}; save the file as UTF-8",
                    name, row=row)) from None
            if final:
                return
            line += chunk.count(b"\n")
            offset += len(chunk)


def guess_encoding(path: Path, around: int) -> str | None:
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        fh.seek(max(0, around - 32 * 1024))
        sample = fh.read(64 * 1024)
    best = from_bytes(sample).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return None
    names = {"cp1252": "Windows-1252 (Western European)", "latin_1": "Latin-1 (ISO-8859-1)",
             "iso8859_15": "ISO-8859-15 (Latin-9)", "cp1250": "Windows-1250 (Central European)",
             "cp1251": "Windows-1251 (Cyrillic)", "utf_16": "UTF-16", "mac_roman": "Mac Roman",
             "shift_jis": "Shift JIS", "gb18030": "GB18030", "big5": "Big5", "euc_kr": "EUC-KR"}
    return names.get(best.encoding, best.encoding.replace("_", "-").upper())


# ----------------------------------------------------------------------------------------------
# streaming rows


def iter_rows(path: Path, fmt: str, name: str, problems: list[DataProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row number, row)`; unreadable rows are appended to `problems` and skipped.

    Stops early once MAX_PROBLEMS errors were found: a broken file should not produce a
    10,000-line report. Header-level problems raise DataError at once.
    """
    if fmt not in FORMATS:
        raise DataError(_problem(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}", name))
    if fmt in ("csv", "tsv"):
        yield from _iter_delimited(path, "\t" if fmt == "tsv" else ",", name, problems)
    elif fmt == "jsonl":
        yield from _iter_jsonl(path, name, problems)
    elif fmt == "json":
        yield from _iter_json_array(path, name, problems)
    else:
        yield from _iter_parquet(path, name)


def _too_many(problems: list[DataProblem]) -> bool:
    return sum(p.severity == "error" for p in problems) >= MAX_PROBLEMS


def read_header(path: Path, fmt: str, name: str) -> list[str]:
    if fmt in ("csv", "tsv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _header(csv.reader(fh, delimiter="\t" if fmt == "tsv" else ",", strict=True), name)
    return []


def _header(reader: Any, name: str) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(_problem("The file is empty", name)) from None
    except csv.Error as exc:
        raise DataError(_problem(f"Unreadable header: {exc}", name, row=0)) from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DataError(_problem("The first line must be a header naming the columns", name, row=0))
    blank = [i + 1 for i, h in enumerate(header) if not h]
    if blank:
        raise DataError(_problem(f"Header field(s) {blank} have no name; name every column", name, row=0))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataError(_problem(f"Duplicate column name(s) in the header: {dupes}", name, row=0))
    return header


def _iter_delimited(path: Path, sep: str, name: str, problems: list[DataProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    # Fields may be as long as the file; the csv module's default 128 KB limit is too small.
    csv.field_size_limit(512 * 1024 * 1024)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, strict=True)
        header = _header(reader, name)
        row = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                problems.append(_problem(f"Malformed line {reader.line_num}: {exc}", name, row=row + 1))
                return  # the reader cannot resynchronise after a quoting error
            if not values:  # blank line
                continue
            row += 1
            if len(values) != len(header):
                problems.append(_problem(
                    f"Expected {len(header)} fields ({', '.join(header)}) but found {len(values)}"
                    + ("; quote fields that contain the delimiter" if len(values) > len(header) else ""),
                    name, row=row))
                if _too_many(problems):
                    return
                continue
            yield row, dict(zip(header, values))


def _iter_jsonl(path: Path, name: str, problems: list[DataProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(_problem(f"Invalid JSON: {exc.msg} (column {exc.colno})", name, row=lineno))
            else:
                if isinstance(obj, dict):
                    yield lineno, obj
                    continue
                problems.append(_problem(f"Each line must be a JSON object, not {type(obj).__name__}",
                                         name, row=lineno))
            if _too_many(problems):
                return


def _iter_json_array(path: Path, name: str, problems: list[DataProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Stream the objects of a top-level JSON array without loading the whole document."""
    decoder = json.JSONDecoder()
    with path.open(encoding="utf-8-sig") as fh:
        buf = ""
        pos = 0
        consumed_lines = 1  # line number at buf[0]

        def fill() -> bool:
            nonlocal buf, pos, consumed_lines
            more = fh.read(CHUNK)
            if not more:
                return False
            consumed_lines += buf.count("\n", 0, pos)
            buf = buf[pos:] + more
            pos = 0
            return True

        def skip_ws() -> str:
            nonlocal pos
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf):
                    return buf[pos]
                if not fill():
                    return ""

        def where() -> int:
            return consumed_lines + buf.count("\n", 0, pos)

        first = skip_ws()
        if first != "[":
            raise DataError(_problem(
                "A .json file must hold an array of objects, [{...}, {...}] (use .jsonl for one object per line)",
                name))
        pos += 1
        index = 0
        while True:
            ch = skip_ws()
            if ch == "]":
                return
            if ch == "":
                problems.append(_problem("The JSON array is not closed with ]", name, row=index + 1))
                return
            if index > 0:
                if ch != ",":
                    problems.append(_problem(
                        f"Invalid JSON at line {where()}: expected ',' between objects", name, row=index + 1))
                    return
                pos += 1
                skip_ws()
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    break
                except json.JSONDecodeError as exc:
                    # Most likely an object cut by the chunk boundary: read more and try again,
                    # up to a bound, so a genuine error cannot pull the whole file into memory.
                    if len(buf) - pos < MAX_OBJECT_CHARS and fill():
                        continue
                    problems.append(_problem(
                        f"Invalid JSON at line {where()}: {exc.msg}", name, row=index + 1))
                    return
            index += 1
            pos = end
            if isinstance(obj, dict):
                yield index, obj
            else:
                problems.append(_problem(f"Each array element must be an object, not {type(obj).__name__}",
                                         name, row=index))
                if _too_many(problems):
                    return


def _iter_parquet(path: Path, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - corrupt footer, not Parquet at all
        raise DataError(_problem(f"Cannot read the file as Parquet: {_first_line(exc)}", name)) from None
    row = 0
    for batch in pf.iter_batches(batch_size=2048):
        for obj in batch.to_pylist():
            row += 1
            yield row, obj


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


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


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return _label_key(value) if not isinstance(value, str) else value


def scan_file(path: Path, fmt: str, name: str) -> FileScan:
    """Check a whole file and collect its columns, a preview and each column's distinct values.

    Raises DataError listing every problem (capped) so the upload can be refused before any
    row or file is stored.
    """
    sniff_binary(path, fmt, name)
    if fmt != "parquet":
        check_utf8(path, name, fmt)
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
        raise DataError(_problem("The file has no data rows", name))
    if not columns:
        raise DataError(_problem("The rows have no fields: give each row at least an input and a label", name))
    return FileScan(
        columns=list(columns), rows=rows, preview=preview,
        distinct={k: list(v) for k, v in distinct.items()}, many=sorted(many),
    )
