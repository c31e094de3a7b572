"""Uniformity tests for discrete selections against scipy.stats and hand calculations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import chi2, chisquare, false_discovery_control, ncx2, power_divergence

from beacon.audit.goodness_of_fit import (
    benjamini_hochberg,
    draws_needed,
    exact,
    g_test,
    holm,
    noncentrality,
    pearson,
    power,
    uniformity_test,
)
from beacon.errors import InputError

COUNTS = [
    pytest.param([25, 30, 20, 25], id="k4-balanced"),
    pytest.param([40, 10, 25, 25, 50], id="k5-skewed"),
    pytest.param(list(range(5, 69)), id="k64-ramp"),
]


@pytest.mark.parametrize("counts", COUNTS)
def test_pearson_matches_scipy_chisquare(counts):
    ours, ref = pearson(counts), chisquare(counts)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.dof == len(counts) - 1


@pytest.mark.parametrize("counts", [*COUNTS, pytest.param([3, 0, 1, 0], id="small-with-zeros")])
def test_g_test_matches_scipy_power_divergence(counts):
    ours = g_test(counts)
    ref = power_divergence(counts, lambda_="log-likelihood")
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10)


def enumerate_exact(counts: list[int]) -> tuple[float, float]:
    """P(X² ≥ obs) and the mid-p by listing every outcome (hand calculation in code)."""
    k, n = len(counts), sum(counts)
    t_obs = sum(c * c for c in counts)
    greater = equal = 0.0
    for outcome in itertools.product(range(n + 1), repeat=k - 1):
        last = n - sum(outcome)
        if last < 0:
            continue
        cells = (*outcome, last)
        prob = math.factorial(n) / math.prod(math.factorial(c) for c in cells) / k**n
        t = sum(c * c for c in cells)
        greater += prob if t > t_obs else 0.0
        equal += prob if t == t_obs else 0.0
    return greater + equal, greater + equal / 2


@pytest.mark.parametrize(
    "counts",
    [
        [3, 1, 0, 2],
        [5, 0, 0, 0],
        [1, 1, 1, 1],
        [2, 2, 3, 1, 0],
        [7, 2, 1],
        [0, 0, 0, 0, 0, 9],
        [4, 4, 4],
    ],
    ids=["k4-n6", "k4-all-in-one", "k4-flat", "k5-n8", "k3-n10", "k6-extreme", "k3-flat"],
)
def test_exact_matches_enumeration(counts):
    pvalue, mid = enumerate_exact(counts)
    result = exact(counts)
    assert result.pvalue == pytest.approx(pvalue, rel=1e-9, abs=1e-15)
    assert result.mid_pvalue == pytest.approx(mid, rel=1e-9, abs=1e-15)
    assert result.method == "exact"


def test_exact_scales_to_64_candidates():
    counts = np.random.default_rng(5).multinomial(150, [1 / 64] * 64)
    result = exact(counts)
    assert 0.0 < result.pvalue <= 1.0 and result.mid_pvalue < result.pvalue
    # With 150 draws, X² is already close to its χ²(63) limit.
    assert result.pvalue == pytest.approx(chisquare(counts).pvalue, abs=0.05)


@pytest.mark.parametrize(
    ("counts", "method"),
    [
        ([5, 5, 5, 5], "pearson"),
        ([4, 5, 6, 4], "exact"),
        ([100] * 64, "pearson"),
        ([1] * 64, "exact"),
    ],
    ids=["expected-5", "expected-4.75", "k64-large", "k64-small"],
)
def test_uniformity_test_chooses_by_cochran_rule(counts, method):
    assert uniformity_test(counts).method == method


@pytest.mark.parametrize(
    ("call", "counts", "message"),
    [
        pytest.param(
            pearson, [4, 5, 6, 4], r"needs every expected count >= 5, got 4.75", id="pearson-small"
        ),
        pytest.param(exact, [1], r"at least 2 candidates", id="one-candidate"),
        pytest.param(exact, [0, 0], r"all zero", id="nothing-drawn"),
        pytest.param(g_test, [1, -1], r"non-negative, got -1", id="negative"),
        pytest.param(exact, [1.5, 2.0], r"must be integers", id="floats"),
        pytest.param(exact, [5000, 0], r"exceeds 20000000", id="exact-too-large"),
    ],
)
def test_bad_counts(call, counts, message):
    with pytest.raises(InputError, match=message):
        call(counts)


@pytest.mark.parametrize(
    ("k", "delta", "alpha", "target"),
    [(4, 0.2, 0.01, 0.9), (21, 0.5, 0.05, 0.8), (64, 1.0, 0.01, 0.95), (2, 0.1, 0.05, 0.8)],
    ids=["K-4", "Q1-21", "k64", "coin"],
)
def test_draws_needed_is_the_smallest_sufficient_n(k, delta, alpha, target):
    n = draws_needed(k, delta, alpha=alpha, power_target=target)
    # λ recomputed from its definition N Σ (p_i − 1/k)²/(1/k), independently of noncentrality().
    probs = np.full(k, (1 - (1 + delta) / k) / (k - 1))
    probs[0] = (1 + delta) / k

    def power_from_definition(draws):
        lam = draws * np.sum((probs - 1 / k) ** 2) * k
        return ncx2.sf(chi2.isf(alpha, k - 1), k - 1, lam)

    assert power_from_definition(n) >= target > power_from_definition(n - 1)
    assert noncentrality(n, k, delta) == pytest.approx(
        n * np.sum((probs - 1 / k) ** 2) * k, rel=1e-12
    )
    assert power(n, k, delta, alpha=alpha) == pytest.approx(power_from_definition(n), rel=1e-12)


def test_draws_needed_coin_matches_normal_approximation():
    # k = 2: X² is the squared z-test of one proportion, p = (1+δ)/2; the textbook sample
    # size for a two-sided z-test is n = ((z_{α/2} + z_β)/(2·(p − ½)))², here
    # ((1.959964 + 0.841621)/(2·0.05))² = 784.9 → 785 draws.
    assert draws_needed(2, 0.1, alpha=0.05, power_target=0.8) == 785


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"candidates": 1, "bias": 0.1}, r"candidates must be >= 2"),
        ({"candidates": 4, "bias": 0.0}, r"bias"),
        ({"candidates": 4, "bias": 0.1, "alpha": 1.0}, r"alpha"),
        ({"candidates": 4, "bias": 0.1, "power_target": 0.001}, r"power_target"),
    ],
    ids=["k1", "zero-bias", "alpha", "power"],
)
def test_draws_needed_rejects(kwargs, message):
    with pytest.raises(InputError, match=message):
        draws_needed(**kwargs)


@pytest.mark.parametrize(
    "pvalues",
    [
        [0.01, 0.04, 0.03, 0.005],
        [0.5, 0.2, 0.9, 0.01, 0.04, 0.04],
        list(np.random.default_rng(2).uniform(size=40)),
    ],
    ids=["four", "ties", "forty"],
)
def test_benjamini_hochberg_matches_scipy(pvalues):
    assert benjamini_hochberg(pvalues) == pytest.approx(false_discovery_control(pvalues), rel=1e-12)


def test_holm_hand_calculation():
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, then
    # running maximum: 0.02, 0.03, 0.06, 0.06 (Holm 1979, step-down).
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02], rel=1e-12)


@pytest.mark.parametrize("bad", [[], [0.5, 1.2], [float("nan")]], ids=["empty", "above-1", "nan"])
def test_corrections_reject(bad):
    with pytest.raises(InputError, match=r"pvalues must"):
        holm(bad)
