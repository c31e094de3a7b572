"""Frequency test within a block, SP 800-22 Rev.1a §2.2 (sts-2.1.2 ``blockFrequency.c``)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincc

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult

NAME = "block_frequency"

#: sts-2.1.2 ``tp.blockFrequencyBlockLength`` default (SP 800-22 §2.2.7 only asks M ≥ 20).
DEFAULT_BLOCK_LENGTH = 128


def block_frequency(bits: object, *, block_length: int = DEFAULT_BLOCK_LENGTH) -> TestResult:
    """Whether the proportion of ones in each M-bit block is about 1/2.

    §2.2.4: ``N = ⌊n/M⌋`` blocks (the rest discarded), ``χ² = 4M Σ (π_i − ½)²``,
    P-value ``igamc(N/2, χ²/2)``.
    """
    eps = as_bits(bits)
    n = eps.size
    require_parameter(NAME, "block_length", block_length, 1)
    require_length(NAME, n, block_length, f"one block of M = {block_length} bits")
    blocks = n // block_length
    ones = eps[: blocks * block_length].reshape(blocks, block_length).sum(axis=1, dtype=np.int64)
    pi = ones / block_length
    chi2 = float(4.0 * block_length * np.sum((pi - 0.5) ** 2))
    p = float(gammaincc(blocks / 2.0, chi2 / 2.0))
    params = {"block_length": block_length}
    return TestResult(
        NAME,
        n,
        params,
        ("",),
        (chi2,),
        (p,),
        details={"blocks": blocks, "discarded": n - blocks * block_length},
    )
