"""Failure paths and edge cases of the SP 800-22 API: bad input, too-short
sequences, parameters out of range, tests that do not apply."""

from __future__ import annotations

import numpy as np
import pytest

from beacon.audit import (
    TestResult,
    approximate_entropy,
    as_bits,
    block_frequency,
    expansion,
    frequency,
    from_ascii,
    from_packed,
    linear_complexity,
    longest_run,
    non_overlapping_template,
    overlapping_template,
    random_excursions,
    random_excursions_variant,
    rank,
    run_suite,
    runs,
    serial,
    to_packed,
    universal,
)
from beacon.errors import InputError


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param([[0, 1]], r"one-dimensional, got shape \(1, 2\)", id="2d"),
        pytest.param([], r"empty: expected at least 1 bit", id="empty"),
        pytest.param([0, 1, 2], r"bits\[2\] is 2: expected 0 or 1 \(1 bad value", id="value-2"),
        pytest.param([0.0, 1.0], r"must hold integers 0/1, got dtype float64", id="float"),
    ],
)
def test_as_bits_rejects(value, message):
    with pytest.raises(InputError, match=message):
        as_bits(np.asarray(value))


def test_as_bits_accepts_booleans():
    assert as_bits(np.array([True, False])).tolist() == [1, 0]


@pytest.mark.parametrize(
    ("text", "limit", "message"),
    [
        pytest.param(
            "0101x", None, r"byte 4 is b'x'; an ASCII sequence may hold only", id="letter"
        ),
        pytest.param("0121", None, r"byte 2 is b'2'", id="digit-2"),
        pytest.param("  \n", None, r"no bits found", id="only-whitespace"),
        pytest.param("0101", 5, r"asked for 5 bits, only 4 available", id="too-few"),
        pytest.param("0101", 0, r"bit count must be positive, got 0", id="zero-limit"),
    ],
)
def test_from_ascii_rejects(text, limit, message):
    with pytest.raises(InputError, match=message):
        from_ascii(text, limit=limit)


def test_from_ascii_ignores_whitespace_as_sts():
    assert from_ascii("  01\n10\t1 \r\n", limit=4).tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize(
    ("data", "limit", "bits"),
    [
        (b"\x80", None, [1, 0, 0, 0, 0, 0, 0, 0]),
        (b"\xa5\x01", 12, [1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0]),
    ],
    ids=["msb-first", "two-bytes-limited"],
)
def test_from_packed_reads_msb_first(data, limit, bits):
    assert from_packed(data, limit=limit).tolist() == bits


def test_packed_round_trip():
    bits = np.random.default_rng(9).integers(0, 2, 800, dtype=np.uint8)
    assert from_packed(to_packed(bits)).tolist() == bits.tolist()


@pytest.mark.parametrize(
    ("test", "n", "kwargs", "message"),
    [
        pytest.param(
            block_frequency,
            100,
            {},
            r"block_frequency needs at least 128 bits",
            id="block_frequency",
        ),
        pytest.param(
            longest_run, 127, {}, r"longest_run needs at least 128 bits", id="longest_run"
        ),
        pytest.param(
            rank,
            1023,
            {},
            r"rank needs at least 1024 bits \(one 32x32 matrix\), got 1023",
            id="rank",
        ),
        pytest.param(
            non_overlapping_template, 71, {}, r"needs at least 72 bits", id="non_overlapping"
        ),
        pytest.param(overlapping_template, 1031, {}, r"needs at least 1032 bits", id="overlapping"),
        pytest.param(
            universal, 387_839, {}, r"universal needs at least 387840 bits", id="universal"
        ),
        pytest.param(
            universal,
            100,
            {"block_length": 6, "init_blocks": 640},
            r"needs more than Q = 640 blocks",
            id="universal-no-test-blocks",
        ),
        pytest.param(
            approximate_entropy, 10, {}, r"needs at least 11 bits", id="approximate_entropy"
        ),
        pytest.param(serial, 15, {}, r"serial needs at least 16 bits", id="serial"),
        pytest.param(
            linear_complexity, 499, {}, r"linear_complexity needs at least 500 bits", id="linear"
        ),
    ],
)
def test_too_short(test, n, kwargs, message):
    with pytest.raises(InputError, match=message):
        test(np.zeros(n, dtype=np.uint8), **kwargs)


@pytest.mark.parametrize(
    ("test", "kwargs", "message"),
    [
        pytest.param(
            block_frequency, {"block_length": 0}, r"block_length must be >= 1, got 0", id="bf-zero"
        ),
        pytest.param(rank, {"cols": 65}, r"cols must be in \[2, 64\], got 65", id="rank-cols"),
        pytest.param(
            serial, {"block_length": 1}, r"block_length must be in \[2, 24\], got 1", id="serial-m1"
        ),
        pytest.param(
            universal,
            {"block_length": 17},
            r"block_length must be in \[1, 16\], got 17",
            id="univ-L",
        ),
        pytest.param(
            non_overlapping_template,
            {"templates": ["010" * 3]},
            r"'010010010' is periodic",
            id="periodic-template",
        ),
        pytest.param(
            non_overlapping_template,
            {"templates": ["0011"]},
            r"not a 9-bit string",
            id="wrong-length",
        ),
        pytest.param(
            linear_complexity,
            {"block_length": True},
            r"must be an integer, got bool",
            id="bool-param",
        ),
    ],
)
def test_bad_parameters(test, kwargs, message):
    with pytest.raises(InputError, match=message):
        test(np.ones(2000, dtype=np.uint8), **kwargs)


def test_runs_prerequisite_gives_zero_as_sts():
    result = runs(np.ones(100, dtype=np.uint8))
    assert result.pvalue == 0.0 and result.details["prerequisite_failed"] is True


@pytest.mark.parametrize(
    "test", [random_excursions, random_excursions_variant], ids=lambda t: t.__name__
)
def test_random_excursions_not_applicable_below_500_cycles(test):
    # 10,000 bits of e: a random walk this short has far fewer than 500 returns to zero.
    result = test(expansion("e", 10_000))
    assert not result.applicable and result.pvalues == ()
    assert result.passed() is None
    assert result.reason.startswith(f"J = {result.details['cycles']} cycles, fewer than 500")


def test_random_excursions_cycle_limit_as_sts():
    # 0101… returns to zero every 2 steps: 100,000 zeros > max(1000, n/100) = 2000.
    result = random_excursions(np.tile(np.array([0, 1], dtype=np.uint8), 100_000))
    assert not result.applicable
    assert result.reason == "100000 returns to zero exceed sts-2.1.2's limit of 2000"


def test_passed_uses_p_at_least_alpha():
    result = TestResult("t", 1, {}, ("a", "b"), (0.0, 0.0), (0.01, 0.5))
    assert result.passed(0.01) is True
    assert result.passed(0.011) is False


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1], ids=str)
def test_passed_rejects_bad_alpha(alpha):
    with pytest.raises(InputError, match=r"alpha must be in \(0, 1\)"):
        frequency(np.array([0, 1], dtype=np.uint8)).passed(alpha)


def test_single_value_accessors_refuse_multi_pvalue_results():
    result = TestResult("cumulative_sums", 2, {}, ("forward", "reverse"), (1.0, 1.0), (0.5, 0.5))
    with pytest.raises(InputError, match=r"cumulative_sums has 2 P-values, not 1; use .pvalues"):
        _ = result.pvalue


def test_suite_lists_every_test_too_short():
    with pytest.raises(
        InputError,
        match=r"sequence too short: 1000 bits\. rank needs 1024 .*overlapping_template "
        r"needs 1032 .*universal needs 387840",
    ):
        run_suite(np.zeros(1000, dtype=np.uint8))


def test_suite_rejects_unknown_names():
    with pytest.raises(InputError, match=r"unknown test\(s\) \['monobit'\]"):
        run_suite(np.zeros(10, dtype=np.uint8), names=["monobit"])


def test_constants_start_as_the_sts_data_files():
    # data.e starts "101011011111100001010100"; data.sqrt2 "101101010000010011110011".
    assert "".join(map(str, expansion("e", 24))) == "101011011111100001010100"
    assert "".join(map(str, expansion("sqrt2", 24))) == "101101010000010011110011"


@pytest.mark.parametrize(
    ("constant", "n", "message"),
    [("tau", 10, r"unknown constant 'tau'"), ("e", 1, r"at least 2, got 1")],
    ids=["unknown", "short"],
)
def test_constants_reject(constant, n, message):
    with pytest.raises(InputError, match=message):
        expansion(constant, n)
