"""Reading a user's table row by row, with memory bounded by one row (or one Parquet batch).

The one reader of CSV, TSV, JSONL, JSON (an array of objects) and Parquet files: the web upload
streams 200 MB files through `iter_rows`, and `tuning_core.data.read_table` collects the same rows
into a `datasets.Dataset`. Problems are `DataProblem`s naming the file and the line where the row
starts, counting the header, as a text editor numbers lines (the row number for Parquet).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

from tuning_core.errors import DataError, DataProblem, first_line

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# Report at most this many row problems: a broken file should not produce a 10,000-line message.
MAX_PROBLEMS = 20
CHUNK = 1024 * 1024
MAX_OBJECT_CHARS = 16 * CHUNK  # one JSON array element may not be larger
PARQUET_BATCH_ROWS = 2048

# Magic numbers of archives and other binary files people upload by mistake: (bytes, what, offset).
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

Rows = Iterator[tuple[int, dict[str, Any]]]


# ----------------------------------------------------------------------------------------------
# the format


def format_of(filename: str | Path) -> str | None:
    """The format a file's suffix names ("csv", "jsonl", ...), or None."""
    return SUFFIXES.get(Path(filename).suffix.lower())


def infer_format(path: str | Path) -> str:
    """Like `format_of`, but an unknown suffix raises DataError saying which suffixes work."""
    fmt = format_of(path)
    if fmt is None:
        suffix = Path(path).suffix.lower()
        raise DataError(
            DataProblem(
                f"Cannot tell the format from the extension {suffix or '(none)'!r}; "
                f"use one of {', '.join(sorted(SUFFIXES))} or name the format",
                file=Path(path).name,
            )
        )
    return fmt


# ----------------------------------------------------------------------------------------------
# cheap checks on the raw bytes


def check_file(path: Path, fmt: str, name: str) -> None:
    """`sniff_binary`, then for text formats `check_utf8`: what to run before `iter_rows`."""
    sniff_binary(path, fmt, name)
    if fmt != "parquet":
        check_utf8(path, fmt, name)


def sniff_binary(path: Path, fmt: str, name: str) -> None:
    """Refuse archives and binary files by their first bytes (Parquet must look like Parquet)."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head:
        raise DataError(DataProblem("The file is empty", file=name))
    what = _describe_magic(head)
    if fmt == "parquet":
        if head[:4] != b"PAR1":
            looks = f"; it looks like {what}" if what else ""
            raise DataError(DataProblem(f"This is not a Parquet file{looks}", file=name))
        return
    if what:
        raise DataError(
            DataProblem(
                f"This is {what}, not a {fmt.upper()} text file; "
                "upload the table itself, uncompressed",
                file=name,
            )
        )
    if b"\x00" in head:
        # UTF-16 text is full of NUL bytes too: say so, since re-saving as UTF-8 fixes it.
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise DataError(
                DataProblem(
                    "Not UTF-8 text: it looks like UTF-16; save the file as UTF-8", file=name
                )
            )
        raise DataError(
            DataProblem(f"This is a binary file, not a {fmt.upper()} text file", file=name)
        )


def _describe_magic(head: bytes) -> str | None:
    for magic, what, offset in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return what
    return None


def check_utf8(path: Path, fmt: str, name: str) -> None:
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
                if exc.object is chunk:
                    bad_at = offset + exc.start
                else:  # the decoder joined bytes carried over from the previous chunk
                    pending = decoder.getstate()[0]
                    bad_at = offset - len(pending) + exc.start
                line += exc.object[: exc.start].count(b"\n")
                guess = guess_encoding(path, bad_at)
                hint = f"; it looks like {guess}" if guess else ""
                raise DataError(
                    DataProblem(
                        f"Not valid UTF-8 (byte {bad_at}){hint}; save the file as UTF-8",
                        file=name,
                        line=line,
                    )
                ) from None
            if final:
                return
            line += chunk.count(b"\n")
            offset += len(chunk)


_ENCODING_NAMES = {
    "cp1252": "Windows-1252 (Western European)",
    "latin_1": "Latin-1 (ISO-8859-1)",
    "iso8859_15": "ISO-8859-15 (Latin-9)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "utf_16": "UTF-16",
    "mac_roman": "Mac Roman",
    "shift_jis": "Shift JIS",
    "gb18030": "GB18030",
    "big5": "Big5",
    "euc_kr": "EUC-KR",
}


def guess_encoding(path: Path, around: int) -> str | None:
    """A readable name of the encoding the 64 KB around byte `around` look like, if not UTF-8."""
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        fh.seek(max(0, around - 32 * 1024))
        sample = fh.read(64 * 1024)
    best = from_bytes(sample).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return None
    if best.encoding in _LATIN_SINGLE_BYTE and _decodes(sample, "cp1252"):
        # A few accented letters cannot tell these code pages apart, and the detector's pick among
        # them is close to arbitrary (a Latin-1 file was named Windows-1250); Western European is
        # by far the likeliest, so say that, naming both of its usual spellings.
        return _WESTERN_EUROPEAN
    return _ENCODING_NAMES.get(best.encoding, best.encoding.replace("_", "-").upper())


_LATIN_SINGLE_BYTE = {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1257", "iso8859_13",
                      "cp1254", "iso8859_9", "mac_roman"}
_WESTERN_EUROPEAN = "Latin-1 / Windows-1252 (Western European)"


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


# ----------------------------------------------------------------------------------------------
# streaming rows


class Position(TypedDict, total=False):
    """DataProblem keywords that say where a row is."""

    line: int
    row: int


def locate(fmt: str, position: int) -> Position:
    """DataProblem keywords for a position `iter_rows` yielded: a line, or a Parquet row."""
    return Position(row=position) if fmt == "parquet" else Position(line=position)


def iter_rows(path: Path, fmt: str, name: str, problems: list[DataProblem]) -> Rows:
    """Yield `(position, row)` lazily; unreadable rows are appended to `problems` and skipped.

    The position is the line of the file where the row starts (header counted), as an editor
    numbers it; for Parquet, which has no lines, the 1-based row number. `locate` turns it
    into DataProblem keywords.

    path: the file; fmt: one of FORMATS; name: the file's name for messages (an upload's own
    name, not the path it was stored under).
    Stops early once MAX_PROBLEMS errors were found: a broken file should not produce a
    10,000-line report. Problems with the file as a whole (its header, a JSON document that is no
    array) raise DataError at once. Text is decoded as UTF-8; run `check_file` first for a
    precise message about anything else.
    """
    if fmt not in FORMATS:
        raise DataError(
            DataProblem(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}", file=name)
        )
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
    """The column names of a CSV/TSV header; [] for formats whose rows name their own fields."""
    if fmt in ("csv", "tsv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t" if fmt == "tsv" else ",", strict=True)
            return _header(reader, name)
    return []


def _header(reader: Any, name: str) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(DataProblem("The file is empty", file=name)) from None
    except csv.Error as exc:
        raise DataError(DataProblem(f"Unreadable header: {exc}", file=name, line=1)) from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DataError(
            DataProblem("The first line must be a header naming the columns", file=name, line=1)
        )
    blank = [i + 1 for i, h in enumerate(header) if not h]
    if blank:
        raise DataError(
            DataProblem(
                f"Header field(s) {blank} have no name; name every column", file=name, line=1
            )
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataError(
            DataProblem(f"Duplicate column name(s) in the header: {dupes}", file=name, line=1)
        )
    return header


def _iter_delimited(path: Path, sep: str, name: str, problems: list[DataProblem]) -> Rows:
    # Fields may be as long as the file; the csv module's default 128 KB limit is too small.
    csv.field_size_limit(512 * 1024 * 1024)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, strict=True)
        header = _header(reader, name)
        while True:
            # A quoted field may span lines: a row starts on the line after the last one read.
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                problems.append(DataProblem(f"Malformed CSV: {exc}", file=name, line=start))
                return  # the reader cannot resynchronise after a quoting error
            if not values:  # blank line
                continue
            if len(values) != len(header):
                hint = "; quote fields that contain the delimiter" if len(values) > len(header) else ""
                problems.append(
                    DataProblem(
                        f"Expected {len(header)} fields ({', '.join(header)}) "
                        f"but found {len(values)}{hint}",
                        file=name,
                        line=start,
                    )
                )
                if _too_many(problems):
                    return
                continue
            yield start, dict(zip(header, values))


def _iter_jsonl(path: Path, name: str, problems: list[DataProblem]) -> Rows:
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(
                    DataProblem(
                        f"Invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=lineno
                    )
                )
            else:
                if isinstance(obj, dict):
                    yield lineno, obj
                    continue
                problems.append(
                    DataProblem(
                        f"Each line must be a JSON object, not {type(obj).__name__}",
                        file=name,
                        line=lineno,
                    )
                )
            if _too_many(problems):
                return


class _JsonStream:
    """A window onto a JSON text read in CHUNK pieces, for decoding one value at a time."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.line_at_start = 1  # line number of buf[0]
        self.decoder = json.JSONDecoder()

    def fill(self) -> bool:
        more = self.fh.read(CHUNK)
        if not more:
            return False
        self.line_at_start += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), without consuming it."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def line(self) -> int:
        return self.line_at_start + self.buf.count("\n", 0, self.pos)

    def decode(self) -> Any:
        """The next JSON value; raises json.JSONDecodeError."""
        while True:
            try:
                obj, self.pos = self.decoder.raw_decode(self.buf, self.pos)
                return obj
            except json.JSONDecodeError:
                # Most likely a value cut by the chunk boundary: read more and try again, up to
                # a bound, so a genuine error cannot pull the whole file into memory.
                if len(self.buf) - self.pos < MAX_OBJECT_CHARS and self.fill():
                    continue
                raise


def _iter_json_array(path: Path, name: str, problems: list[DataProblem]) -> Rows:
    """Stream the objects of a top-level JSON array (or of `{"data": [...]}`, a single key holding
    the array, as some exporters write it) without loading the whole document."""
    not_an_array = DataError(
        DataProblem(
            "A .json file must hold an array of objects, [{...}, {...}] "
            "(use .jsonl for one object per line)",
            file=name,
        )
    )
    with path.open(encoding="utf-8-sig") as fh:
        s = _JsonStream(fh)
        wrapped = s.peek() == "{"
        if wrapped:
            s.pos += 1
            try:
                key = s.decode() if s.peek() == '"' else None
            except json.JSONDecodeError:
                key = None
            if not isinstance(key, str) or s.peek() != ":":
                raise not_an_array
            s.pos += 1
        if s.peek() != "[":
            raise not_an_array
        s.pos += 1
        index = 0
        while True:
            ch = s.peek()
            if ch == "]":
                s.pos += 1
                if wrapped and s.peek() != "}":
                    problems.append(
                        DataProblem(
                            "Invalid JSON: expected '}' after the array; "
                            "the object around the array may hold nothing else",
                            file=name,
                            line=s.line(),
                        )
                    )
                return
            if ch == "":
                problems.append(
                    DataProblem("The JSON array is not closed with ]", file=name, line=s.line())
                )
                return
            if index > 0:
                if ch != ",":
                    problems.append(
                        DataProblem(
                            "Invalid JSON: expected ',' between objects",
                            file=name,
                            line=s.line(),
                        )
                    )
                    return
                s.pos += 1
                s.peek()
            start = s.line()
            try:
                obj = s.decode()
            except json.JSONDecodeError as exc:
                problems.append(DataProblem(f"Invalid JSON in element {index + 1} of the array: {exc.msg}", file=name, line=start))
                return
            index += 1
            if isinstance(obj, dict):
                yield start, obj
            else:
                problems.append(
                    DataProblem(
                        f"Each array element must be an object; element {index} is {type(obj).__name__}",
                        file=name,
                        line=start,
                    )
                )
                if _too_many(problems):
                    return


def open_parquet(path: Path, name: str) -> Any:
    """A `pyarrow.parquet.ParquetFile`; a corrupt file raises DataError."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - corrupt footer, not Parquet at all
        raise DataError(
            DataProblem(f"Cannot read the file as Parquet: {first_line(exc)}", file=name)
        ) from None


def _iter_parquet(path: Path, name: str) -> Rows:
    pf = open_parquet(path, name)
    row = 0
    for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        for obj in batch.to_pylist():
            row += 1
            yield row, obj

