"""The vectorised kernels against plain loop implementations written here from the
SP 800-22 definitions (and sts-2.1.2's loops), on random sequences."""

from __future__ import annotations

import numpy as np
import pytest

from beacon.audit import non_overlapping_template, overlapping_template
from beacon.audit.sp800_22.linear_complexity import linear_complexities
from beacon.audit.sp800_22.longest_run import _longest_runs
from beacon.audit.sp800_22.non_overlapping_template import aperiodic_templates, is_aperiodic
from beacon.audit.sp800_22.rank import gf2_ranks
from beacon.audit.sp800_22.second_level import as_reported

RNG_SEEDS = [0, 1, 2]


def berlekamp_massey(s: list[int]) -> int:
    """Textbook GF(2) Berlekamp–Massey (as sts-2.1.2's loop), for cross-checking."""
    n = len(s)
    c, b = [1] + [0] * n, [1] + [0] * n
    length, m = 0, -1
    for i in range(n):
        d = s[i]
        for j in range(1, length + 1):
            d ^= c[j] & s[i - j]
        if d:
            t = c[:]
            for j in range(n + 1 - (i - m)):
                c[j + i - m] ^= b[j]
            if 2 * length <= i:
                length, m, b = i + 1 - length, i, t
    return length


def gf2_rank(rows: list[list[int]]) -> int:
    matrix = [r[:] for r in rows]
    rank, cols = 0, len(matrix[0])
    for col in range(cols):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col]:
                matrix[r] = [a ^ b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


@pytest.mark.parametrize("seed", RNG_SEEDS, ids=lambda s: f"seed{s}")
def test_berlekamp_massey_matches_textbook(seed):
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 2, size=(40, 130), dtype=np.uint8)
    blocks[0] = 0  # all zeros: L = 0
    blocks[1, :] = 0
    blocks[1, -1] = 1  # a single 1 at the end: L = n
    expected = [berlekamp_massey(row.tolist()) for row in blocks]
    assert linear_complexities(blocks).tolist() == expected
    assert expected[0] == 0 and expected[1] == 130


@pytest.mark.parametrize(
    ("rows", "cols"), [(32, 32), (3, 3), (6, 8), (8, 64)], ids=lambda v: str(v)
)
def test_gf2_ranks_match_elimination(rows, cols):
    rng = np.random.default_rng(rows * 100 + cols)
    bits = rng.integers(0, 2, size=(50, rows, cols), dtype=np.uint8)
    bits[0] = 0
    bits[1] = bits[1, :1]  # every row equal: rank 1
    weights = np.uint64(1) << np.arange(cols - 1, -1, -1, dtype=np.uint64)
    packed = (bits.astype(np.uint64) * weights).sum(axis=2, dtype=np.uint64)
    expected = [gf2_rank(m.tolist()) for m in bits]
    assert gf2_ranks(packed, cols).tolist() == expected
    assert expected[0] == 0 and expected[1] == (1 if bits[1].any() else 0)


def test_longest_runs_match_loop():
    rng = np.random.default_rng(7)
    blocks = rng.integers(0, 2, size=(60, 128), dtype=np.uint8)
    blocks[0], blocks[1] = 0, 1
    expected = []
    for row in blocks:
        run = best = 0
        for bit in row:
            run = run + 1 if bit else 0
            best = max(best, run)
        expected.append(best)
    assert _longest_runs(blocks).tolist() == expected


def sts_non_overlapping_count(bits: list[int], template: list[int]) -> int:
    """sts-2.1.2's scan: after a match, jump past it (j += m − 1, then j++)."""
    m, j, count = len(template), 0, 0
    while j < len(bits) - m + 1:
        if bits[j : j + m] == template:
            count += 1
            j += m
        else:
            j += 1
    return count


def test_non_overlapping_counts_match_sts_scan():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, size=4000, dtype=np.uint8)
    result = non_overlapping_template(bits, template_length=4, block_count=4)
    block = 1000
    for label, chi2 in zip(result.labels, result.statistics, strict=True):
        template = [int(c) for c in label]
        w = [
            sts_non_overlapping_count(bits[i * block : (i + 1) * block].tolist(), template)
            for i in range(4)
        ]
        mean = (block - 4 + 1) / 16
        variance = block * (1 / 16 - 7 / 256)
        assert chi2 == pytest.approx(sum((x - mean) ** 2 / variance for x in w), rel=1e-12)


def test_overlapping_counts_match_loop():
    rng = np.random.default_rng(4)
    bits = rng.integers(0, 2, size=3 * 1032 + 17, dtype=np.uint8)
    bits[1032 : 1032 + 40] = 1  # a long run: many overlapping matches in block 2
    nu = [0] * 6
    for i in range(3):
        block = bits[i * 1032 : (i + 1) * 1032].tolist()
        w = sum(block[j : j + 9] == [1] * 9 for j in range(1032 - 9 + 1))
        nu[min(w, 5)] += 1
    assert overlapping_template(bits).details["nu"] == tuple(nu)


def test_template9_order_matches_sts_file():
    # sts-2.1.2 templates/template9: 148 aperiodic templates, ascending; spot-checked lines
    # (1st, 2nd, 74th, 75th, 148th) and the count.
    templates = aperiodic_templates(9)
    assert len(templates) == 148
    assert (templates[0], templates[1], templates[73], templates[74], templates[147]) == (
        "000000001",
        "000000011",
        "011111111",
        "100000000",
        "111111110",
    )


@pytest.mark.parametrize(
    ("template", "aperiodic"),
    [("001", True), ("010", False), ("111", False), ("0011", True), ("0101", False), ("110", True)],
)
def test_is_aperiodic(template, aperiodic):
    assert is_aperiodic(template) is aperiodic


@pytest.mark.parametrize(
    ("pvalue", "reported"),
    [(0.0099996, 0.01), (0.1234564, 0.123456), (1.0, 1.0)],
    ids=["rounds-up-to-alpha", "six-decimals", "one"],
)
def test_pvalues_are_rounded_as_sts_prints_them(pvalue, reported):
    assert as_reported([pvalue])[0] == np.float32(reported)
