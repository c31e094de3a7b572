"""The fifteen tests against published sts-2.1.2 output on e, π, √2, √3.

Sources (all P-values printed by sts-2.1.2 to 6 decimals):
* SP 800-22 Rev.1a Appendix B, "the first 1,000,000 bits of e" column (and the π, √2,
  √3 columns), which is what sts-2.1.2 prints for data/data.e etc.;
* SP 800-22 Rev.1a §2.14.8 and §2.15.8 (random excursions (variant) on e, every state);
* the §2.x.8 worked examples on e named in each case id.

Tolerance: published values are rounded to 6 decimals, so atol = 1e-6, rtol = 0.
"""

from __future__ import annotations

import pytest

from beacon.audit import (
    approximate_entropy,
    block_frequency,
    cumulative_sums,
    dft,
    expansion,
    frequency,
    linear_complexity,
    longest_run,
    non_overlapping_template,
    overlapping_template,
    random_excursions,
    random_excursions_variant,
    rank,
    runs,
    serial,
    universal,
)

ATOL = 1e-6

E_APPENDIX_B = [
    ("frequency", frequency, {}, 0, 0.953749),
    ("block_frequency", block_frequency, {}, 0, 0.211072),
    ("cumulative_sums-forward", cumulative_sums, {}, 0, 0.669886),
    ("cumulative_sums-reverse", cumulative_sums, {}, 1, 0.724265),
    ("runs", runs, {}, 0, 0.561917),
    ("longest_run", longest_run, {}, 0, 0.718945),
    ("rank", rank, {}, 0, 0.306156),
    ("dft", dft, {}, 0, 0.847187),
    ("non_overlapping_template-000000001", non_overlapping_template, {}, 0, 0.078790),
    ("overlapping_template", overlapping_template, {}, 0, 0.110434),
    ("universal", universal, {}, 0, 0.282568),
    ("approximate_entropy", approximate_entropy, {}, 0, 0.700073),
    ("random_excursions-x=+1", random_excursions, {}, 4, 0.786868),
    ("random_excursions_variant-x=-1", random_excursions_variant, {}, 8, 0.826009),
    ("serial-p1", serial, {}, 0, 0.766182),
    ("serial-p2", serial, {}, 1, 0.462921),
    ("linear_complexity", linear_complexity, {}, 0, 0.826335),
    # §2.10.8: linear complexity with M = 1000 on the same bits.
    ("linear_complexity-M1000-s2.10.8", linear_complexity, {"block_length": 1000}, 0, 0.845406),
    # §2.11.8: serial with m = 2 on n = 1,000,000 bits of e.
    ("serial-m2-p1-s2.11.8", serial, {"block_length": 2}, 0, 0.843764),
    ("serial-m2-p2-s2.11.8", serial, {"block_length": 2}, 1, 0.561915),
]


@pytest.mark.parametrize(
    ("test", "kwargs", "index", "expected"),
    [pytest.param(f, k, i, v, id=name) for name, f, k, i, v in E_APPENDIX_B],
)
def test_e_million_bits_match_sts(e_bits, test, kwargs, index, expected):
    result = test(e_bits, **kwargs)
    assert result.applicable
    assert result.pvalues[index] == pytest.approx(expected, abs=ATOL, rel=0)


def test_rank_on_first_100000_bits_of_e_s2_5_8(e_bits):
    assert rank(e_bits[:100_000]).pvalue == pytest.approx(0.532069, abs=ATOL, rel=0)


# SP 800-22 Rev.1a §2.14.8, P-values for x = −4 … −1, +1 … +4.
RANDOM_EXCURSIONS_E = (
    0.573306,
    0.197996,
    0.164011,
    0.007779,
    0.786868,
    0.440912,
    0.797854,
    0.778186,
)
# SP 800-22 Rev.1a §2.15.8, x = −9 … −1, +1 … +9 (as tabulated there and transcribed in
# google/paranoid_crypto lib/randomness_tests/nist_suite_test.py).
VARIANT_E = (
    0.858946,
    0.794755,
    0.576249,
    0.493417,
    0.633873,
    0.917283,
    0.934708,
    0.816012,
    0.826009,
    0.137861,
    0.200642,
    0.441254,
    0.939291,
    0.505683,
    0.445935,
    0.512207,
    0.538635,
    0.593930,
)


def test_random_excursions_every_state_s2_14_8(e_bits):
    result = random_excursions(e_bits)
    assert result.labels == ("x=-4", "x=-3", "x=-2", "x=-1", "x=1", "x=2", "x=3", "x=4")
    assert result.details["cycles"] == 1490  # §2.14.8: J = 1490
    assert result.pvalues == pytest.approx(RANDOM_EXCURSIONS_E, abs=ATOL, rel=0)


def test_random_excursions_variant_every_state_s2_15_8(e_bits):
    result = random_excursions_variant(e_bits)
    assert result.labels[0] == "x=-9" and result.labels[-1] == "x=9" and len(result.labels) == 18
    assert result.pvalues == pytest.approx(VARIANT_E, abs=ATOL, rel=0)


# SP 800-22 Rev.1a Appendix B, π / √2 / √3 columns: these also pin the data files' bit
# convention (integer part first) for the three other constants.
OTHER_CONSTANTS = [
    ("pi", frequency, 0.578211),
    ("pi", dft, 0.010186),
    ("pi", overlapping_template, 0.296897),
    ("sqrt2", frequency, 0.811881),
    ("sqrt2", dft, 0.581909),
    ("sqrt2", overlapping_template, 0.791982),
    ("sqrt3", frequency, 0.610051),
    ("sqrt3", dft, 0.776046),
    ("sqrt3", overlapping_template, 0.082716),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("constant", "test", "expected"),
    [pytest.param(c, t, v, id=f"{c}-{t.__name__}") for c, t, v in OTHER_CONSTANTS],
)
def test_other_constants_match_appendix_b(constant, test, expected):
    assert test(expansion(constant, 1_000_000)).pvalue == pytest.approx(expected, abs=ATOL, rel=0)
