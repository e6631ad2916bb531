from __future__ import annotations

from tests.support.data_problems import process_problems


def test_it_names_each_row_without_a_label(write, tmp_path) -> None:
    path = write("data.csv", "text,label\ngood film,pos\nbad film,\nok film,neg\n")
    [problem] = process_problems(path, tmp_path / "out")
    assert (problem.file, problem.line, problem.column) == ("data.csv", 3, "label")
    assert problem.message == "The label is missing (empty)"


def test_it_names_labels_missing_from_the_label_map(write, tmp_path) -> None:
    path = write("data.csv", "text,label\ngood film,1\nbad film,0\nmeh film,2\n")
    [problem] = process_problems(path, tmp_path / "out", label_map={"0": "negative", "1": "positive"})
    assert (problem.line, problem.column) == (4, "label")
    assert problem.message == "Label '2' has no entry in the label map (known: '0', '1')"
