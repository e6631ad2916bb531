"""One column check and one template renderer serve training and the upload, with problems that
carry a code and the setting they concern (forms attach them by field, never by words)."""

from __future__ import annotations

import math

import datasets
import pytest

from tuning_core.data import check_columns, format_examples, render_template
from tuning_core.errors import DataError, ProblemCode


def test_each_problem_names_its_code_and_field() -> None:
    problems = check_columns(["premise", "label"], input_template="{premis} {hypothesis}", target_column="lable")
    assert [(p.code, p.field, p.column) for p in problems] == [
        (ProblemCode.UNKNOWN_TEMPLATE_COLUMN, "input_template", "premis"),
        (ProblemCode.UNKNOWN_TEMPLATE_COLUMN, "input_template", "hypothesis"),
        (ProblemCode.UNKNOWN_TARGET_COLUMN, "target_column", "lable"),
    ]
    assert "did you mean 'premise'" in problems[0].message
    [broken] = check_columns(["text"], input_template="{text", target_column="text")
    assert (broken.code, broken.field) == (ProblemCode.INVALID_TEMPLATE, "input_template")
    [empty] = check_columns(["text"], input_template="no column", target_column="text")
    assert empty.code == ProblemCode.TEMPLATE_WITHOUT_COLUMN


def test_training_refuses_with_the_same_check() -> None:
    data = datasets.Dataset.from_dict({"premise": ["a"], "label": ["x"]})
    with pytest.raises(DataError) as e:
        format_examples(data, input_template="{premis}", target_column="label")
    assert [p.code for p in e.value.problems] == [ProblemCode.UNKNOWN_TEMPLATE_COLUMN]


def test_the_preview_renders_what_training_reads() -> None:
    row = {"text": "fine", "score": 1.0, "note": None, "gap": math.nan}
    template = "review: {text} ({score}) {note}{gap}|"
    trained = format_examples(datasets.Dataset.from_list([{**row, "label": "pos"}]), input_template=template,
                              target_column="label")
    assert render_template(template, row) == trained["input_text"][0] == "review: fine (1) |"
