from __future__ import annotations

from tests.support.data_problems import process_problems


def test_it_needs_two_classes_for_classification(write, tmp_path) -> None:
    path = write("data.csv", "text,label\ngood film,pos\ngreat film,pos\nfine film,pos\n")
    [problem] = process_problems(path, tmp_path / "out", task_kind="classification")
    assert problem.column == "label"
    assert problem.message == "Every row has the same label ('pos'): classification needs at least two classes"
