"""tuning_core.reading streams a table one row at a time and locates every bad row."""

from __future__ import annotations

import json

import pytest

from tuning_core import reading
from tuning_core.data import read_table
from tuning_core.errors import DataError
from tuning_core.reading import iter_rows


def test_it_yields_rows_before_reading_the_rest_of_the_file(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n\n{"text": "b", "label": "y"}\nnot json\n')
    problems: list = []
    rows = iter_rows(path, "jsonl", "d.jsonl", problems)
    assert next(rows) == (1, {"text": "a", "label": "x"})
    assert problems == []  # line 4 not read yet
    assert list(rows) == [(3, {"text": "b", "label": "y"})]
    assert [(p.file, p.line) for p in problems] == [("d.jsonl", 4)]
    assert problems[0].message.startswith("Invalid JSON")


def test_it_names_the_line_of_a_bad_csv_row_counting_the_header(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,1\n\nb,0,extra\nc,1\n")
    problems: list = []
    assert [n for n, _ in iter_rows(path, "csv", "d.csv", problems)] == [2, 5]
    assert [(p.line, p.message) for p in problems] == [
        (4, "Expected 2 fields (text, label) but found 3; quote fields that contain the delimiter")
    ]
    assert str(problems[0]).startswith("line 4 of d.csv: Expected 2 fields")


def test_it_numbers_a_csv_row_by_the_line_it_starts_on(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"two\nlines",1\nnext,0,extra\n')
    problems: list = []
    assert [n for n, _ in iter_rows(path, "csv", "d.csv", problems)] == [2]
    assert [p.line for p in problems] == [4]


def test_it_stops_after_max_problems(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("[1]\n" * (reading.MAX_PROBLEMS + 10) + '{"text": "late"}\n')
    problems: list = []
    assert list(iter_rows(path, "jsonl", "d.jsonl", problems)) == []
    assert len(problems) == reading.MAX_PROBLEMS


def test_it_streams_a_json_array_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK", 7)  # every object spans several reads
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"text": "é" * (i % 5) + f"row {i}", "label": i % 2} for i in range(50)], indent=1))
    problems: list = []
    rows = list(iter_rows(path, "json", "d.json", problems))
    assert problems == []
    # "[" is line 1; each object takes four lines: "{", two fields, "}".
    assert [n for n, _ in rows] == [2 + 4 * i for i in range(50)]
    assert rows[49][1] == {"text": "éééé" + "row 49", "label": 1}


def test_it_reads_an_array_wrapped_in_one_key(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK", 5)
    rows = [{"text": "a", "label": "x"}, {"text": "b", "label": "y"}]
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"data": rows}, indent=1))
    assert read_table(path).to_list() == rows
    path.write_text(json.dumps({"data": rows, "meta": 1}))
    with pytest.raises(DataError, match="expected '}' after the array"):
        read_table(path)


def test_it_fills_fields_missing_from_some_rows_with_none(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b", "label": "y"}\n{"label": "z"}\n')
    assert read_table(path).to_dict() == {"text": ["a", "b", None], "label": [None, "y", "z"]}
