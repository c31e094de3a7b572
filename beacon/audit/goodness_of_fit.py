"""Uniformity tests for discrete selections: is every candidate drawn equally often?

For one list of ``k`` candidates and the counts of how often each was drawn:

* :func:`pearson` — Pearson's χ², valid when every expected count is at least 5
  (Cochran's rule); refuses smaller expectations rather than report a bad
  approximation.
* :func:`exact` — the exact multinomial test with the χ² ordering: the P-value is
  ``P(X² ≥ X²_obs)`` under the exact multinomial null, with its mid-p value.
* :func:`g_test` — the likelihood-ratio G statistic. Documented as liberal (it
  rejects too often) when counts are small; prefer :func:`exact` there.
* :func:`uniformity_test` — Pearson when it is valid, exact otherwise.
* :func:`draws_needed` — how many draws detect a bias δ with a given power.
* :func:`holm`, :func:`benjamini_hochberg` — corrections across many lists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln
from scipy.stats import chi2 as chi2_dist
from scipy.stats import ncx2

from beacon.errors import InputError

#: Cochran's rule: the χ² approximation is trusted when every expected count is ≥ 5.
MIN_EXPECTED: Final = 5.0
#: Largest (draws + 1) × (X²-ordering states) table :func:`exact` will build (≈ 160 MB).
MAX_EXACT_STATES: Final = 20_000_000


@dataclass(frozen=True)
class GoodnessOfFit:
    """Result of a goodness-of-fit test of counts against equal probabilities.

    ``mid_pvalue`` is ``P(X² > obs) + ½·P(X² = obs)`` for the exact test and equals
    ``pvalue`` for the continuous approximations.
    """

    method: str
    statistic: float
    pvalue: float
    mid_pvalue: float
    dof: int
    draws: int
    candidates: int
    min_expected: float


def _counts(observed: Sequence[int] | npt.ArrayLike) -> npt.NDArray[np.int64]:
    counts = np.asarray(observed)
    if counts.ndim != 1 or counts.size < 2:
        raise InputError(
            f"counts must be a list of at least 2 candidates, got shape {counts.shape}",
            field="counts",
        )
    if not np.issubdtype(counts.dtype, np.integer):
        raise InputError(f"counts must be integers, got dtype {counts.dtype}", field="counts")
    if (counts < 0).any():
        raise InputError(f"counts must be non-negative, got {int(counts.min())}", field="counts")
    if counts.sum() == 0:
        raise InputError("counts are all zero: nothing was drawn", field="counts")
    return counts.astype(np.int64)


def pearson(observed: Sequence[int] | npt.ArrayLike) -> GoodnessOfFit:
    """Pearson's χ² against equal probabilities, ``k − 1`` degrees of freedom."""
    counts = _counts(observed)
    k, total = counts.size, int(counts.sum())
    expected = total / k
    if expected < MIN_EXPECTED:
        raise InputError(
            f"Pearson's chi-square needs every expected count >= {MIN_EXPECTED:g}, "
            f"got {expected:.3g} ({total} draws over {k} candidates); use the exact test",
            field="counts",
        )
    statistic = float(np.sum((counts - expected) ** 2) / expected)
    p = float(chi2_dist.sf(statistic, k - 1))
    return GoodnessOfFit("pearson", statistic, p, p, k - 1, total, k, expected)


def g_test(observed: Sequence[int] | npt.ArrayLike) -> GoodnessOfFit:
    """The G-test ``G = 2 Σ O ln(O/E)`` against equal probabilities, χ²(k − 1) reference.

    Liberal at small counts: its true size exceeds the nominal α when expected
    counts are small (Agresti, *Categorical Data Analysis*, §1.5.5), more so than
    Pearson's X². It is reported for comparison, never chosen automatically.
    """
    counts = _counts(observed)
    k, total = counts.size, int(counts.sum())
    expected = total / k
    nonzero = counts[counts > 0]
    statistic = float(2.0 * np.sum(nonzero * np.log(nonzero / expected)))
    p = float(chi2_dist.sf(statistic, k - 1))
    return GoodnessOfFit("g_test", statistic, p, p, k - 1, total, k, expected)


def exact(observed: Sequence[int] | npt.ArrayLike) -> GoodnessOfFit:
    """Exact multinomial test of equal probabilities, ordering outcomes by Pearson's X².

    Under equal probabilities ``X² = (k/N) Σ c_i² − N``, so ordering by X² is
    ordering by the integer ``T = Σ c_i²``. Its exact distribution is built by
    dynamic programming over the k cells: the multinomial is k independent
    Poisson(N/k) cells conditioned on their sum being N, so the table holds
    ``P(Σ_{i≤j} c_i = s, Σ_{i≤j} c_i² = t)`` for ``t ≤ T_obs``, and all mass with
    ``t > T_obs`` is lumped per ``s`` (only the tail's total is needed). The cost is
    about ``k · √T_obs · N · T_obs``, which is small for the sizes Pearson cannot
    serve (N < 5k); tables beyond :data:`MAX_EXACT_STATES` are refused.
    """
    counts = _counts(observed)
    k, total = counts.size, int(counts.sum())
    t_obs = int(np.sum(counts**2))
    if (total + 1) * (t_obs + 1) > MAX_EXACT_STATES:
        raise InputError(
            f"exact test table of {(total + 1) * (t_obs + 1)} states exceeds {MAX_EXACT_STATES}: "
            f"{total} draws with sum of squares {t_obs}; "
            "use pearson() when expected counts are >= 5",
            field="counts",
        )
    lam = total / k
    values = np.arange(total + 1)
    log_pmf = -lam + values * math.log(lam) - gammaln(values + 1)
    pmf = np.exp(log_pmf)
    low = np.zeros((total + 1, t_obs + 1))  # P(s, t) for t <= T_obs
    low[0, 0] = 1.0
    high = np.zeros(total + 1)  # P(s, t > T_obs), lumped
    for _ in range(k):
        # Suffix sums over t: tail[s, j] = Σ_{t ≥ j} low[s, t], to move mass past T_obs at once.
        tail = np.cumsum(low[:, ::-1], axis=1)[:, ::-1]
        new_low = np.zeros_like(low)
        new_high = np.zeros_like(high)
        for c in range(total + 1):
            w = pmf[c]
            square = c * c
            rows = total + 1 - c
            new_high[c:] += w * high[:rows]
            if square <= t_obs:
                new_low[c:, square:] += w * low[:rows, : t_obs + 1 - square]
                crossing = t_obs + 1 - square
                if crossing <= t_obs:
                    new_high[c:] += w * tail[:rows, crossing]
            else:
                new_high[c:] += w * tail[:rows, 0]
        low, high = new_low, new_high
    # Condition on the total: P(Σ c_i = N) for k Poisson(N/k) cells is Poisson(N).
    norm = math.exp(-total + total * math.log(total) - float(gammaln(total + 1)))
    p_equal = low[total, t_obs] / norm
    p_greater = high[total] / norm
    statistic = k / total * t_obs - total
    pvalue = min(1.0, p_greater + p_equal)
    mid = min(1.0, p_greater + 0.5 * p_equal)
    return GoodnessOfFit("exact", float(statistic), float(pvalue), float(mid), k - 1, total, k, lam)


def uniformity_test(observed: Sequence[int] | npt.ArrayLike) -> GoodnessOfFit:
    """Pearson's χ² when every expected count is ≥ 5, otherwise the exact test."""
    counts = _counts(observed)
    return pearson(counts) if counts.sum() / counts.size >= MIN_EXPECTED else exact(counts)


def noncentrality(draws: int, candidates: int, bias: float) -> float:
    """λ of Pearson's X² when one candidate has probability (1+δ)/k and the others share the rest.

    ``λ = N Σ (p_i − 1/k)²/(1/k) = N δ²/(k − 1)``.
    """
    return draws * bias**2 / (candidates - 1)


def power(draws: int, candidates: int, bias: float, *, alpha: float = 0.01) -> float:
    """Probability that Pearson's X² at level α detects the bias δ with ``draws`` draws."""
    critical = chi2_dist.isf(alpha, candidates - 1)
    return float(ncx2.sf(critical, candidates - 1, noncentrality(draws, candidates, bias)))


def draws_needed(
    candidates: int, bias: float, *, alpha: float = 0.01, power_target: float = 0.9
) -> int:
    """The fewest draws N whose Pearson X² test at level α reaches ``power_target`` against δ.

    Uses the noncentral χ²(k − 1, λ = Nδ²/(k − 1)) approximation to X² under the
    alternative; N is the smallest integer with ``power(N) ≥ power_target``.
    """
    if candidates < 2:
        raise InputError(f"candidates must be >= 2, got {candidates}", field="candidates")
    if not 0.0 < abs(bias) <= candidates - 1 or bias <= -1.0:
        raise InputError(f"bias must satisfy -1 < δ <= k - 1 and δ != 0, got {bias}", field="bias")
    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", field="alpha")
    if not alpha < power_target < 1.0:
        raise InputError(
            f"power_target must be in (alpha, 1), got {power_target}", field="power_target"
        )
    low, high = 1, 2
    while power(high, candidates, bias, alpha=alpha) < power_target:
        low, high = high, high * 2
    while low < high:  # smallest N with power >= target; power grows with N
        middle = (low + high) // 2
        if power(middle, candidates, bias, alpha=alpha) >= power_target:
            high = middle
        else:
            low = middle + 1
    return low


def _pvalue_array(pvalues: Sequence[float] | npt.ArrayLike) -> npt.NDArray[np.float64]:
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise InputError(f"pvalues must be a non-empty list, got shape {p.shape}", field="pvalues")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise InputError("pvalues must lie in [0, 1]", field="pvalues")
    return p


def holm(pvalues: Sequence[float] | npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Holm's step-down adjusted P-values (controls the family-wise error rate).

    Sorted ascending, ``p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j))``; reject
    where ``p̃ ≤ α``.
    """
    p = _pvalue_array(pvalues)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def benjamini_hochberg(pvalues: Sequence[float] | npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Benjamini–Hochberg adjusted P-values (controls the false discovery rate).

    Sorted ascending, ``p̃_(i) = min_{j ≥ i} min(1, m p_(j)/j)``.
    """
    p = _pvalue_array(pvalues)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, m * p[order] / np.arange(1, m + 1))
    adjusted = np.empty(m)
    adjusted[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    return adjusted
