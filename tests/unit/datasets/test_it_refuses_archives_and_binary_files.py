from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from tests.support.data_problems import scan_problems


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.csv", "text,label\na,b\n")
    return buf.getvalue()


@pytest.mark.parametrize(("content", "what"), [
    (_zip(), "a ZIP archive (or an .xlsx/.docx file)"),
    (gzip.compress(b"text,label\na,b\n", mtime=0), "a gzip archive"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG image"),
    (b"%PDF-1.7\n", "a PDF document"),
])
def test_it_names_the_kind_of_archive(write, content: bytes, what: str) -> None:
    [problem] = scan_problems(write("data.csv", content))
    assert problem.file == "data.csv"
    assert problem.message == f"This is {what}, not a CSV text file; upload the table itself, uncompressed"


def test_it_refuses_other_binary_content(write) -> None:
    [problem] = scan_problems(write("data.jsonl", b"\x01\x02\x00\x00garbage"))
    assert problem.message == "This is a binary file, not a JSONL text file"


def test_it_refuses_a_parquet_name_on_other_content(write) -> None:
    [problem] = scan_problems(write("data.parquet", _zip()))
    assert problem.message == "This is not a Parquet file; it looks like a ZIP archive (or an .xlsx/.docx file)"
