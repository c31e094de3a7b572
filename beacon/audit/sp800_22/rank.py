"""Binary matrix rank test, SP 800-22 Rev.1a §2.5 (sts-2.1.2 ``rank.c``, ``matrix.c``)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult

NAME = "rank"


def _probability(rank: int, rows: int, cols: int) -> float:
    # §3.5: P(rank = r) = 2^{r(Q+M−r)−MQ} ∏_{i<r} (1−2^{i−Q})(1−2^{i−M})/(1−2^{i−r}),
    # the product written as sts-2.1.2 computes p_32 and p_31.
    product = 1.0
    for i in range(rank):
        product *= ((1.0 - 2.0 ** (i - cols)) * (1.0 - 2.0 ** (i - rows))) / (
            1.0 - 2.0 ** (i - rank)
        )
    return 2.0 ** (rank * (rows + cols - rank) - rows * cols) * product


def gf2_ranks(matrices: npt.NDArray[np.uint64], cols: int) -> npt.NDArray[np.int64]:
    """Ranks over GF(2) of many matrices at once.

    ``matrices[k, i]`` is row ``i`` of matrix ``k`` packed into an integer, column
    ``j`` at bit ``cols − 1 − j``. Gauss–Jordan elimination runs column by column
    for all matrices together: each step picks, per matrix, an unused row with the
    column's bit set and XORs it into every other row that has the bit.
    """
    rows_ = matrices.copy()
    count, height = rows_.shape
    used = np.zeros((count, height), dtype=bool)
    rank = np.zeros(count, dtype=np.int64)
    everything = np.arange(count)
    for bit in range(cols - 1, -1, -1):
        has_bit: npt.NDArray[np.bool_] = ((rows_ >> np.uint64(bit)) & np.uint64(1)).astype(bool)
        candidates = has_bit & ~used
        found = np.asarray(candidates.any(axis=1), dtype=np.bool_)
        pivot = candidates.argmax(axis=1)
        pivot_row = rows_[everything, pivot]
        eliminate: npt.NDArray[np.bool_] = has_bit & found[:, None]
        eliminate[everything, pivot] = False
        rows_ ^= np.where(eliminate, pivot_row[:, None], np.uint64(0))
        used[everything[found], pivot[found]] = True
        rank += found
    return rank


def rank(bits: object, *, rows: int = 32, cols: int = 32) -> TestResult:
    """Whether disjoint M×Q sub-matrices have the ranks a random matrix would have.

    sts-2.1.2 fixes M = Q = 32; other sizes (up to 64 columns) are for the worked
    examples. Matrix ``k`` is filled row by row from bits ``k·MQ …`` (sts-2.1.2
    ``def_matrix``); the three classes are full rank, full rank − 1, and the rest.
    """
    eps = as_bits(bits)
    n = eps.size
    require_parameter(NAME, "rows", rows, 2)
    require_parameter(NAME, "cols", cols, 2, 64)
    size = rows * cols
    require_length(NAME, n, size, f"one {rows}x{cols} matrix")
    full = min(rows, cols)
    count = n // size
    block = eps[: count * size].reshape(count, rows, cols).astype(np.uint64)
    weights = np.uint64(1) << np.arange(cols - 1, -1, -1, dtype=np.uint64)
    packed = (block * weights).sum(axis=2, dtype=np.uint64)
    ranks = gf2_ranks(packed, cols)
    f_full = int(np.count_nonzero(ranks == full))
    f_minus = int(np.count_nonzero(ranks == full - 1))
    f_rest = count - f_full - f_minus
    p_full = _probability(full, rows, cols)
    p_minus = _probability(full - 1, rows, cols)
    p_rest = 1.0 - (p_full + p_minus)
    chi2 = (
        (f_full - count * p_full) ** 2 / (count * p_full)
        + (f_minus - count * p_minus) ** 2 / (count * p_minus)
        + (f_rest - count * p_rest) ** 2 / (count * p_rest)
    )
    # sts-2.1.2 computes exp(−χ²/2), which is igamc(1, χ²/2) (two degrees of freedom).
    p = math.exp(-chi2 / 2.0)
    params = {"rows": rows, "cols": cols}
    details = {
        "matrices": count,
        "full_rank": f_full,
        "full_rank_minus_1": f_minus,
        "discarded": n - count * size,
    }
    return TestResult(NAME, n, params, ("",), (chi2,), (p,), details=details)
