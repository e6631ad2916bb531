from __future__ import annotations

import pytest

from tuning_core.metrics import classification_metrics, normalize_answer, text_metrics, token_f1


def test_it_computes_classification_metrics():
    gold = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "a", "b", "b", None, "c"]
    m = classification_metrics(gold, pred, ["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_class"]["a"] == pytest.approx(
        {"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3}
    )
    assert m["per_class"]["b"]["precision"] == 0.5
    assert m["per_class"]["b"]["recall"] == 0.5
    assert m["macro_f1"] == pytest.approx((0.8 + 0.5 + 1.0) / 3)
    assert m["confusion_matrix"]["columns"] == ["a", "b", "c", "<invalid>"]
    assert m["confusion_matrix"]["matrix"] == [[2, 1, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]]
    assert m["invalid_rate"] == pytest.approx(1 / 6)


def test_it_computes_mcc_like_the_binary_formula():
    gold = ["p", "p", "p", "n", "n", "n", "n"]
    pred = ["p", "p", "n", "n", "n", "p", "n"]
    tp, tn, fp, fn = 2, 3, 1, 1
    expected = (tp * tn - fp * fn) / ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)) ** 0.5
    assert classification_metrics(gold, pred, ["n", "p"])["mcc"] == pytest.approx(expected)
    assert classification_metrics(["p", "n"], ["p", "p"], ["n", "p"])["mcc"] == 0.0


def test_it_scores_free_text_like_squad():
    assert normalize_answer("The  Eiffel Tower!") == "eiffel tower"
    assert token_f1("the eiffel tower in paris", "Eiffel Tower") == pytest.approx(2 * 0.5 * 1 / 1.5)
    m = text_metrics(["Paris", "London"], ["paris.", "the city of London"])
    assert m["exact_match"] == 0.5
    assert 0.5 < m["f1"] < 1.0
