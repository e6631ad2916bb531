from __future__ import annotations

from tests.support.data_problems import process_problems


def test_it_names_each_row_with_an_empty_input(write, tmp_path) -> None:
    path = write("data.csv", "text,label\ngood film,pos\n  ,neg\nbad film,neg\n,pos\n")
    problems = process_problems(path, tmp_path / "out")
    assert [(p.line, p.column, p.message) for p in problems] == [
        (3, "text", "The input is empty"), (5, "text", "The input is empty")]
    assert not (tmp_path / "out" / "splits").exists()
