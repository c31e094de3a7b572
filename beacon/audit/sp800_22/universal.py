"""Maurer's "universal statistical" test, SP 800-22 Rev.1a §2.9 (sts-2.1.2 ``universal.c``)."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from scipy.special import erfc

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult
from beacon.errors import InputError

NAME = "universal"

# §2.9.4 step (5) table, L = 1 … 16 (sts-2.1.2 keeps only L = 6 … 16).
_EXPECTED: Final = (
    0.0,
    0.7326495,
    1.5374383,
    2.4016068,
    3.3112247,
    4.2534266,
    5.2177052,
    6.1962507,
    7.1836656,
    8.1764248,
    9.1723243,
    10.170032,
    11.168765,
    12.168070,
    13.167693,
    14.167488,
    15.167379,
)
_VARIANCE: Final = (
    0.0,
    0.690,
    1.338,
    1.901,
    2.358,
    2.705,
    2.954,
    3.125,
    3.238,
    3.311,
    3.356,
    3.384,
    3.401,
    3.410,
    3.416,
    3.419,
    3.421,
)

# sts-2.1.2's choice of L: the largest L with n >= the threshold (n ≥ 1010·2^L·L, rounded).
_THRESHOLDS: Final = (
    (16, 1_059_061_760),
    (15, 496_435_200),
    (14, 231_669_760),
    (13, 107_560_960),
    (12, 49_643_520),
    (11, 22_753_280),
    (10, 10_342_400),
    (9, 4_654_080),
    (8, 2_068_480),
    (7, 904_960),
    (6, 387_840),
)
#: sts-2.1.2 refuses L < 6, so it needs n ≥ 387,840.
MIN_BITS: Final = 387_840


def default_block_length(n: int) -> int:
    """sts-2.1.2's L for an n-bit sequence (at least :data:`MIN_BITS` bits)."""
    require_length(NAME, n, MIN_BITS, "sts-2.1.2 chooses L >= 6 only from 387,840 bits on")
    return next(length for length, low in _THRESHOLDS if n >= low)


def universal(
    bits: object, *, block_length: int | None = None, init_blocks: int | None = None
) -> TestResult:
    """Whether the sequence is compressible: the mean log-distance between repeated L-bit blocks.

    By default L and Q = 10·2^L are chosen from n as sts-2.1.2 does; the statistic
    ``f_n`` is ``Σ log2(i − T[block_i]) / K`` over the K test blocks, and
    ``σ = c·√(variance(L)/K)`` with ``c = 0.7 − 0.8/L + (4 + 32/L)K^{−3/L}/15``.
    """
    eps = as_bits(bits)
    n = eps.size
    L = default_block_length(n) if block_length is None else block_length
    require_parameter(NAME, "block_length", L, 1, 16)
    Q = 10 * (1 << L) if init_blocks is None else init_blocks
    require_parameter(NAME, "init_blocks", Q, 1)
    K = n // L - Q
    if K < 1:
        raise InputError(
            f"{NAME} needs more than Q = {Q} blocks of L = {L} bits, got {n // L}", field="bits"
        )
    total = Q + K
    blocks = eps[: total * L].reshape(total, L).astype(np.int64)
    codes = blocks @ (1 << np.arange(L - 1, -1, -1, dtype=np.int64))
    # T[code] holds the (1-based) index of the code's latest occurrence, 0 if none yet:
    # for every block find the previous block with the same code by a stable sort.
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    previous = np.zeros(total, dtype=np.int64)
    same = sorted_codes[1:] == sorted_codes[:-1]
    previous[order[1:][same]] = order[:-1][same] + 1
    index = np.arange(1, total + 1, dtype=np.int64)
    distances = (index - previous)[Q:]
    phi = float(np.sum(np.log(distances) / math.log(2))) / K
    c = 0.7 - 0.8 / L + (4 + 32 / L) * K ** (-3 / L) / 15
    sigma = c * math.sqrt(_VARIANCE[L] / K)
    arg = abs(phi - _EXPECTED[L]) / (math.sqrt(2) * sigma)
    p = float(erfc(arg))
    params = {"block_length": L, "init_blocks": Q, "test_blocks": K}
    details = {"expected": _EXPECTED[L], "sigma": sigma, "discarded": n - total * L}
    return TestResult(NAME, n, params, ("",), (phi,), (p,), details=details)
