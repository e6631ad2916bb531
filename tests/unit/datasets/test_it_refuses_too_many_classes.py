from __future__ import annotations

from tests.support.data_problems import process, process_problems


def _many(write):
    return write("data.csv", "text,label\n" + "".join(f"film {i},label{i}\n" for i in range(60)))


def test_it_caps_the_classes_of_a_classification_task(write, tmp_path) -> None:
    [problem] = process_problems(_many(write), tmp_path / "out", task_kind="classification")
    assert problem.column == "label"
    assert problem.message == (
        "60 distinct labels: too many classes for classification (at most 50); "
        "map labels to fewer label words, or choose free-text generation")


def test_it_accepts_them_as_generation(write, tmp_path) -> None:
    result = process(_many(write), tmp_path / "out", task_kind="generation")
    assert result.labels == []
    assert sum(result.split_counts.values()) == 60
