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
    assert [(p.file, p.row) for p in problems] == [("d.jsonl", 4)]
    assert problems[0].message.startswith("Invalid JSON")


def test_it_names_the_data_row_of_a_bad_csv_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,1\n\nb,0,extra\nc,1\n")
    problems: list = []
    assert [n for n, _ in iter_rows(path, "csv", "d.csv", problems)] == [1, 3]
    assert [(p.row, p.message) for p in problems] == [
        (2, "Expected 2 fields (text, label) but found 3; quote fields that contain the delimiter")
    ]


def test_it_stops_after_max_problems(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("[1]\n" * (reading.MAX_PROBLEMS + 10) + '{"text": "late"}\n')
    problems: list = []
    assert list(iter_rows(path, "jsonl", "d.jsonl", problems)) == []
    assert len(problems) == reading.MAX_PROBLEMS


def test_it_streams_a_json_array_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK", 7)  # every object spans several reads
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"text": "é" * (i % 5) + f"row {i}", "label": i % 2} for i in range(50)]))
    problems: list = []
    rows = list(iter_rows(path, "json", "d.json", problems))
    assert problems == []
    assert [n for n, _ in rows] == list(range(1, 51))
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
