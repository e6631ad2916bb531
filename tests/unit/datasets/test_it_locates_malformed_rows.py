from __future__ import annotations

from tests.support.data_problems import scan_problems


def test_it_names_rows_with_the_wrong_number_of_fields(write) -> None:
    path = write("data.csv", "text,label\nfine,pos\ntoo, many, fields,pos\nshort\n")
    problems = scan_problems(path)
    assert [(p.line, p.file) for p in problems] == [(3, "data.csv"), (4, "data.csv")]
    assert problems[0].message == (
        "Expected 2 fields (text, label) but found 4; quote fields that contain the delimiter")
    assert problems[1].message == "Expected 2 fields (text, label) but found 1"


def test_it_names_invalid_json_lines(write) -> None:
    path = write("data.jsonl", '{"text": "a", "label": 1}\n{"text": "b", "label": }\n[1, 2]\n')
    problems = scan_problems(path)
    assert [p.line for p in problems] == [2, 3]
    assert problems[0].message.startswith("Invalid JSON: Expecting value")
    assert problems[1].message == "Each line must be a JSON object, not list"


def test_it_explains_a_json_file_that_is_not_an_array(write) -> None:
    [problem] = scan_problems(write("data.json", '{"text": "a", "label": 1}'))
    assert problem.message.startswith("A .json file must hold an array of objects")


def test_it_names_the_broken_element_of_a_json_array(write) -> None:
    [problem] = scan_problems(write("data.json", '[{"text": "a", "label": 1},\n {"text": "b" "label": 2}]'))
    assert problem.line == 2
    assert problem.message.startswith("Invalid JSON in element 2 of the array: Expecting ',' delimiter")


def test_it_reports_duplicate_header_names(write) -> None:
    [problem] = scan_problems(write("data.csv", "text,text,label\na,b,c\n"))
    assert problem.line == 1
    assert problem.message == "Duplicate column name(s) in the header: ['text']"


def test_it_refuses_a_file_without_rows(write) -> None:
    [problem] = scan_problems(write("data.csv", "text,label\n"))
    assert problem.message == "The file has no data rows"


def test_it_refuses_rows_without_fields(write) -> None:
    [problem] = scan_problems(write("data.jsonl", "{}\n{}\n"))
    assert problem.message == "The rows have no fields: give each row at least an input and a label"
