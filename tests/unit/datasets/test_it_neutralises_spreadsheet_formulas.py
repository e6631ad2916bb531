from __future__ import annotations

import pytest

from webapp.datasets.browse import neutralise


@pytest.mark.parametrize(("cell", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("a good film", "a good film"),
    ("", ""),
])
def test_it_prefixes_cells_a_spreadsheet_would_run(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe
