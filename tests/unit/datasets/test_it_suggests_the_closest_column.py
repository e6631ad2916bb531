from __future__ import annotations

from webapp.datasets.processing import Mapping, check_mapping

COLUMNS = ["premise", "hypothesis", "label"]


def test_it_suggests_the_closest_template_column() -> None:
    [problem] = check_mapping(Mapping("premise: {premise} hypothesis: {hypothesys}", "label", {}), COLUMNS, "nli.csv")
    assert problem.column == "hypothesys"
    assert problem.file == "nli.csv"
    assert problem.message == (
        "The input template refers to column 'hypothesys', which the file lacks "
        "(columns are 'premise', 'hypothesis', 'label'); did you mean 'hypothesis'?")


def test_it_suggests_the_closest_label_column() -> None:
    [problem] = check_mapping(Mapping("{premise}", "lable", {}), COLUMNS)
    assert problem.message.startswith("No label column 'lable'")
    assert problem.message.endswith("did you mean 'label'?")


def test_it_wants_at_least_one_column_in_the_template() -> None:
    [problem] = check_mapping(Mapping("just text", "label", {}), COLUMNS)
    assert problem.message == "The input template uses no column; write e.g. {premise}"
