"""For the bad-input tests: run the upload scan or the processing on a file, and return the
DataError's problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuning_core.errors import DataError, DataProblem
from tuning_core.reading import format_of
from webapp.datasets.processing import Mapping, SourceFile, process_files
from webapp.datasets.reading import scan_file


def scan_problems(path: Path) -> list[DataProblem]:
    fmt = format_of(path.name)
    assert fmt is not None
    with pytest.raises(DataError) as info:
        scan_file(path, fmt, path.name)
    return info.value.problems


def process(path: Path, out: Path, **mapping: object):
    options = {"input_template": "{text}", "label_column": "label", "label_map": {}, **mapping}
    fmt = format_of(path.name)
    assert fmt is not None
    return process_files([SourceFile("file", path, fmt, path.name)], Mapping(**options), out)  # type: ignore[arg-type]


def process_problems(path: Path, out: Path, **mapping: object) -> list[DataProblem]:
    with pytest.raises(DataError) as info:
        process(path, out, **mapping)
    return info.value.problems
