"""Second-level checks (sts-2.1.2 finalAnalysisReport / SP 800-22 §4.2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from beacon.audit import TestResult, final_analysis_report, format_report, proportion, uniformity
from beacon.errors import InputError


@pytest.mark.parametrize(
    ("size", "minimum", "maximum"),
    # sts-2.1.2 prints "The minimum pass rate ... is approximately = 96 for a sample size =
    # 100 binary sequences" (finalAnalysisReport.txt); §4.2.1: 0.99 ± 3√(0.99·0.01/m).
    [(100, 96, 101), (1000, 980, 999), (10, 8, 10)],
    ids=["m100", "m1000", "m10"],
)
def test_proportion_bounds_as_sts(size, minimum, maximum):
    result = proportion([0.5] * (size - 1) + [0.001])
    assert (result.minimum, result.maximum, result.passed, result.sample_size) == (
        minimum,
        maximum,
        size - 1,
        size,
    )
    assert result.acceptable


def test_proportion_flags_too_many_passes_as_sts():
    # sts-2.1.2 also flags passCount > max: with 1000 sequences, 1000 passes exceed 999.
    assert not proportion([0.5] * 1000).acceptable


def test_proportion_counts_alpha_as_sts_reads_it():
    # 0.0099996 prints as 0.010000, read back as float 0.00999999977 < 0.01: a failure to
    # sts-2.1.2's report; 0.5 passes. 96 of 100 passing sits exactly on the lower bound.
    result = proportion([0.0099996] * 4 + [0.5] * 96)
    assert result.passed == 96 and result.acceptable
    assert not proportion([0.001] * 5 + [0.5] * 95).acceptable


@pytest.mark.parametrize("seed", [0, 1], ids=lambda s: f"seed{s}")
def test_uniformity_matches_scipy_chisquare(seed):
    pvalues = np.random.default_rng(seed).uniform(size=100)
    result = uniformity(pvalues)
    histogram = np.histogram(
        np.asarray([float(f"{p:.6f}") for p in pvalues], dtype=np.float32),
        bins=np.linspace(0, 1, 11),
    )[0]
    reference = chisquare(histogram)  # expected 10 per bin, 9 degrees of freedom
    assert result.histogram == tuple(histogram.tolist())
    assert result.statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert result.pvalue == pytest.approx(reference.pvalue, rel=1e-12)


def test_uniformity_bins_edges_as_sts():
    # floor(p·10) with 1.0 in the last bin; 0.1 as a float is just above 0.1, so bin 1.
    result = uniformity([0.0, 0.1, 0.999999, 1.0, 0.55])
    assert result.histogram == (1, 1, 0, 0, 0, 1, 0, 0, 0, 2)
    assert result.pvalue is None and result.acceptable is None  # fewer than 10: undefined


def test_uniformity_uses_integer_expected_count_as_sts():
    # 15 values: sts-2.1.2's expCount = 15/10 = 1 (integer division), not 1.5.
    result = uniformity([0.05] * 15)
    assert result.statistic == pytest.approx((15 - 1) ** 2 / 1 + 9 * 1)


def test_uniformity_rejects_out_of_range():
    with pytest.raises(InputError, match=r"P-values must lie in \[0, 1\]"):
        uniformity([0.5, 1.5])


def test_final_report_skips_not_applicable_sequences():
    applicable = TestResult("random_excursions", 10, {}, ("x=1",), (1.0,), (0.5,))
    absent = TestResult("random_excursions", 10, {}, (), (), (), applicable=False, reason="J = 3")
    freq = [TestResult("frequency", 10, {}, ("",), (0.1,), (p,)) for p in (0.2, 0.005, 0.001)]
    rows = final_analysis_report([[freq[0], applicable], [freq[1], absent], [freq[2], applicable]])
    by_name = {(r.name, r.label): r for r in rows}
    assert by_name[("frequency", "")].proportion.passed == 1
    assert by_name[("frequency", "")].proportion.sample_size == 3
    assert by_name[("random_excursions", "x=1")].proportion.sample_size == 2
    text = format_report(rows)
    assert "   1/3    *  frequency" in text and "random_excursions x=1" in text
