"""Cumulative sums (cusum) test, SP 800-22 Rev.1a §2.13 (sts-2.1.2 ``cusum.c``)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from beacon.audit.bits import as_bits
from beacon.audit.result import TestResult

NAME = "cumulative_sums"


def _c_div(a: int, b: int) -> int:
    """C integer division (truncation toward zero), which sts-2.1.2's loop bounds use."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _pvalue(z: int, n: int) -> float:
    # §2.13.4 step (4), with sts-2.1.2's integer loop bounds (-n/z+1)/4 … (n/z-1)/4.
    root_n = math.sqrt(n)
    k1 = np.arange(_c_div(_c_div(-n, z) + 1, 4), _c_div(_c_div(n, z) - 1, 4) + 1)
    k2 = np.arange(_c_div(_c_div(-n, z) - 3, 4), _c_div(_c_div(n, z) - 1, 4) + 1)
    sum1 = float(np.sum(ndtr((4 * k1 + 1) * z / root_n) - ndtr((4 * k1 - 1) * z / root_n)))
    sum2 = float(np.sum(ndtr((4 * k2 + 3) * z / root_n) - ndtr((4 * k2 + 1) * z / root_n)))
    return 1.0 - sum1 + sum2


def cumulative_sums(bits: object) -> TestResult:
    """Whether the random walk of ±1 steps strays too far from zero, forwards and backwards.

    Two P-values, labelled ``forward`` (mode 0) and ``reverse`` (mode 1); the
    statistics are the maximal excursions ``z``.
    """
    eps = as_bits(bits)
    n = eps.size
    walk = np.cumsum(2 * eps.astype(np.int64) - 1)
    total = int(walk[-1])
    # sts-2.1.2 tracks sup >= 0 and inf <= 0 (both start at 0), so include the origin.
    sup = max(int(walk.max()), 0)
    inf = min(int(walk.min()), 0)
    z_forward = max(sup, -inf)
    z_reverse = max(sup - total, total - inf)
    pvalues = (_pvalue(z_forward, n), _pvalue(z_reverse, n))
    return TestResult(
        NAME, n, {}, ("forward", "reverse"), (float(z_forward), float(z_reverse)), pvalues
    )
