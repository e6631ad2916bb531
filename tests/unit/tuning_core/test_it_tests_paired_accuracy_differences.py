"""tuning_core.significance against scipy.stats directly: the paired-bootstrap interval on the
accuracy difference and McNemar's exact test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tuning_core.significance import compare_paired, mcnemar_exact


def outcomes(n: int, reference_rate: float, other_rate: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(n) < reference_rate, rng.random(n) < other_rate


def test_it_counts_discordant_examples_and_the_difference() -> None:
    reference = [True, True, True, False, False, True]
    other = [True, False, True, True, True, False]
    result = compare_paired(reference, other)
    assert (result.n, result.reference_only, result.other_only) == (6, 2, 2)
    assert result.reference_accuracy == pytest.approx(4 / 6)
    assert result.other_accuracy == pytest.approx(4 / 6)
    assert result.difference == pytest.approx(0.0)


def test_its_mcnemar_p_value_is_scipys_binomial_test() -> None:
    reference, other = outcomes(2_000, 0.7, 0.8)
    result = compare_paired(reference, other)
    b, c = int(np.sum(reference & ~other)), int(np.sum(other & ~reference))
    assert result.mcnemar_p == stats.binomtest(c, b + c, 0.5).pvalue
    assert result.mcnemar_p == stats.binomtest(b, b + c, 0.5).pvalue  # two-sided: symmetric
    assert result.significant
    assert mcnemar_exact(0, 0) == 1.0


def test_its_interval_is_scipys_paired_bootstrap() -> None:
    reference, other = outcomes(400, 0.6, 0.7)
    result = compare_paired(reference, other, n_resamples=500, seed=3)
    expected = stats.bootstrap(
        (other.astype(float), reference.astype(float)), lambda x, y, axis=-1: x.mean(axis) - y.mean(axis),
        paired=True, vectorized=True, n_resamples=500, batch=250, method="percentile",
        random_state=np.random.default_rng(3),
    ).confidence_interval
    assert (result.ci_low, result.ci_high) == pytest.approx((expected.low, expected.high))
    assert result.ci_low < result.difference < result.ci_high


def test_its_interval_covers_the_true_difference() -> None:
    # Other is right on every example the reference gets right, plus one in ten of the rest:
    # the true difference is known by construction.
    rng = np.random.default_rng(7)
    reference = rng.random(2_000) < 0.7
    other = reference | (rng.random(2_000) < 0.1)
    result = compare_paired(reference, other)
    true_difference = (other.sum() - reference.sum()) / 2_000
    assert result.ci_low is not None
    assert result.ci_high is not None
    assert result.ci_low <= true_difference <= result.ci_high
    assert result.ci_low > 0  # and it is clearly better
    assert result.reference_only == 0


def test_it_is_the_same_every_time_and_calm_on_edge_cases() -> None:
    reference, other = outcomes(300, 0.5, 0.55)
    assert compare_paired(reference, other) == compare_paired(reference, other)
    same = compare_paired([True, False, True], [True, False, True])
    assert (same.difference, same.ci_low, same.ci_high, same.mcnemar_p) == (0.0, 0.0, 0.0, 1.0)
    single = compare_paired([True], [False])
    assert single.ci_low is None
    assert single.difference == -1.0
    with pytest.raises(ValueError, match="equal 1-D"):
        compare_paired([True, False], [True])


def test_it_can_leave_the_interval_out() -> None:
    reference, other = outcomes(300, 0.5, 0.6)
    quick, full = compare_paired(reference, other, interval=False), compare_paired(reference, other)
    assert quick.ci_low is None
    assert quick.ci_high is None
    assert (quick.reference_only, quick.other_only, quick.mcnemar_p) == (full.reference_only, full.other_only,
                                                                      full.mcnemar_p)
