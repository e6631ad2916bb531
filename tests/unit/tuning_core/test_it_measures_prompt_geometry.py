"""tuning_core.prompt_geometry: norms, pairwise cosine of flattened prompts, and label words among a
prompt position's nearest tokens."""

from __future__ import annotations

import numpy as np
import pytest

from tuning_core.prompt_geometry import label_words_among, pairwise_cosine, prompt_norms


def test_it_measures_the_whole_prompt_and_its_rows() -> None:
    norms = prompt_norms(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 2.0]]))
    assert norms.total == pytest.approx(np.sqrt(9 + 16 + 4))
    assert norms.mean_token == pytest.approx((5 + 0 + 2) / 3)
    assert norms.max_token == pytest.approx(5)
    with pytest.raises(ValueError, match="matrix"):
        prompt_norms(np.zeros(3))


def test_it_compares_flattened_prompts_of_one_shape_only() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 8))
    table = pairwise_cosine([a, -a, 2 * a, rng.normal(size=(5, 8))])
    assert table[0][0] == pytest.approx(1.0)
    assert table[0][1] == pytest.approx(-1.0)
    assert table[0][2] == pytest.approx(1.0)
    assert table[2][0] == table[0][2]
    assert table[0][3] is None
    assert table[3][3] == pytest.approx(1.0)
    expected = float(a.ravel() @ (a + 1).ravel() / np.linalg.norm(a) / np.linalg.norm(a + 1))
    assert pairwise_cosine([a, a + 1])[0][1] == pytest.approx(expected)


def test_it_marks_label_words_still_among_the_neighbours() -> None:
    neighbours = [[("positive", 0.9), ("good", 0.5)], [("bad", 0.7), (" Negative", 0.6)], [("the", 0.2)]]
    assert label_words_among(neighbours, ["positive", "negative"]) == [["positive"], ["negative"], []]
