from __future__ import annotations

from tests.support.data_problems import scan_problems


def test_it_names_the_line_and_the_likely_encoding(write) -> None:
    text = "text,label\n" + "".join(f"plain row {i},pos\n" for i in range(30))
    text += "Un film très réussi, très émouvant et déjà culte pour les cinéphiles,pos\n"
    path = write("reviews.csv", text.encode("cp1252"))

    [problem] = scan_problems(path)

    assert problem.file == "reviews.csv"
    assert problem.line == 32
    assert str(problem).startswith("line 32 of reviews.csv: Not valid UTF-8")
    assert "it looks like" in problem.message
    assert "save the file as UTF-8" in problem.message


def test_it_recognises_utf16(write) -> None:
    path = write("reviews.csv", "text,label\nhello,pos\n".encode("utf-16"))
    [problem] = scan_problems(path)
    assert problem.message == "Not UTF-8 text: it looks like UTF-16; save the file as UTF-8"
