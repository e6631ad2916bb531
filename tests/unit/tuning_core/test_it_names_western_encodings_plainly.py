"""A Latin-1 file is named as Western European, not as whichever code page the detector picked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuning_core.reading import guess_encoding

WESTERN = "Latin-1 / Windows-1252 (Western European)"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_it_names_a_western_file_western(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "reviews.csv"
    path.write_bytes("text,label\nun café très réussi,positive\nune idée naïve,negative\n".encode(encoding))
    assert guess_encoding(path, 20) == WESTERN


def test_it_still_names_other_scripts(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_bytes(("text,label\n" + "очень хороший фильм, мне понравилось,positive\n" * 20).encode("cp1251"))
    assert guess_encoding(path, 20) == "Windows-1251 (Cyrillic)"
