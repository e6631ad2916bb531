"""Unreadable or unusable data gives a DataError naming the file, row and column."""

from __future__ import annotations

import json

import pytest

from tuning_core.data import format_examples, read_table
from tuning_core.errors import DataError


def _problems(excinfo):
    return [(p.file, p.line, p.column) for p in excinfo.value.problems]


def test_it_names_the_line_with_too_many_fields_counting_the_header(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('text,label\n"fine, really",positive\nbad, awful,negative\nok,positive\n')
    with pytest.raises(DataError, match="line 3 of reviews.csv: Expected 2 fields.*quote fields") as e:
        read_table(path)
    assert _problems(e) == [("reviews.csv", 3, None)]


def test_it_names_the_broken_jsonl_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": \n[1, 2]\n')
    with pytest.raises(DataError) as e:
        read_table(path)
    assert _problems(e) == [("d.jsonl", 2, None), ("d.jsonl", 3, None)]
    assert "Invalid JSON" in str(e.value)
    assert "1 more problem" in str(e.value)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "The file is empty"),
        ("header.csv", b"text,label\n", "no data rows"),
        ("d.json", b'{"text": "a"}', "array of objects"),
        ("d.json", b'[{"text": "a"}, {"text": }]', "line 1 of d.json: Invalid JSON in element 2 of the array: Expecting value"),
        ("d.json", b"[1, 2", "line 1 of d.json: Each array element must be an object; element 1 is int"),
        ("d.parquet", b"PAR1 nonsense", "Cannot read the file as Parquet"),
        ("d.csv", b"PK\x03\x04 zipped", "This is a ZIP archive"),
        ("d.xlsx", b"xx", "Cannot tell the format"),
        ("latin.csv", "text,label\ncaf\u00e9,x\n".encode("latin-1"), "line 2 of latin.csv: Not valid UTF-8"),
        ("dupes.csv", b"text,text\na,b\n", "Duplicate column"),
    ],
)
def test_it_explains_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_it_reads_every_supported_format(tmp_path):
    rows = [{"text": "good film", "label": "positive"}, {"text": "bad film", "label": "negative"}]
    (tmp_path / "d.csv").write_text("text,label\ngood film,positive\nbad film,negative\n")
    (tmp_path / "d.tsv").write_text("text\tlabel\ngood film\tpositive\nbad film\tnegative\n")
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp_path / "d.json").write_text(json.dumps(rows))
    read_table(tmp_path / "d.csv").to_parquet(str(tmp_path / "d.parquet"))
    for name in ("d.csv", "d.tsv", "d.jsonl", "d.json", "d.parquet"):
        assert read_table(tmp_path / name).to_list() == rows, name
    assert read_table(tmp_path / "d.csv", format="csv").num_rows == 2


def test_it_suggests_the_closest_column(tmp_path):
    table = read_table(_csv(tmp_path, "premise,hypothesis,label\na,b,entailment\n"))
    with pytest.raises(DataError, match="column 'premis'.*did you mean 'premise'") as e:
        format_examples(
            table,
            input_template="premise: {premis} hypothesis: {hypothesis}",
            target_column="label",
            file="d.csv",
        )
    assert e.value.problems[0].column == "premis"
    with pytest.raises(DataError, match="No target column 'labels'.*did you mean 'label'"):
        format_examples(table, input_template="{premise}", target_column="labels")


def test_it_names_rows_with_unmapped_or_missing_labels(tmp_path):
    table = read_table(_csv(tmp_path, "text,label\na,0\nb,1\nc,2\nd,\n"))
    with pytest.raises(DataError) as e:
        format_examples(
            table,
            input_template="{text}",
            target_column="label",
            label_map={"0": "negative", "1": "positive"},
            file="d.csv",
        )
    messages = [(p.row, p.message) for p in e.value.problems]
    assert (4, "The target is empty") in messages
    assert any(row == 3 and "Label '2' has no entry" in m for row, m in messages)


def _csv(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text)
    return path
