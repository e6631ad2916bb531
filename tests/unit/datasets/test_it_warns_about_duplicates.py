from __future__ import annotations

from tests.support.data_problems import process


def test_it_warns_and_keeps_the_rows(write, tmp_path) -> None:
    rows = "".join(f"film number {i},{'pos' if i % 2 else 'neg'}\n" for i in range(20))
    path = write("data.csv", "text,label\n" + rows + "film number 3,pos\nFilm number 5 ,neg\nfilm number 7,pos\n")
    result = process(path, tmp_path / "out")
    # Repeats that landed in different splits are also named by the split check.
    [warning] = [w for w in result.warnings if "earlier row" in w.message]
    assert warning.severity == "warning"
    assert (warning.file, warning.line) == ("data.csv", 22)
    assert warning.message == "2 row(s) repeat the input of an earlier row (for example this row repeats line 5 of data.csv)"
    assert sum(result.split_counts.values()) == 23
    assert result.stats["duplicates"] == 2
