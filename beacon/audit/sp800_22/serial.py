"""Serial test, SP 800-22 Rev.1a §2.11 (sts-2.1.2 ``serial.c``)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincc

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult
from beacon.audit.sp800_22.patterns import pattern_counts

NAME = "serial"

#: sts-2.1.2 ``tp.serialBlockLength`` default.
DEFAULT_BLOCK_LENGTH = 16


def _psi2(bits: np.ndarray, m: int) -> float:
    # §2.11.4 step (3): ψ²_m = (2^m/n) Σ ν² − n, with ψ²_0 = ψ²_{−1} = 0 (sts-2.1.2 psi2).
    if m <= 0:
        return 0.0
    n = bits.size
    counts = pattern_counts(bits, m).astype(np.float64)
    return float(np.sum(counts**2)) * 2.0**m / n - n


def serial(bits: object, *, block_length: int = DEFAULT_BLOCK_LENGTH) -> TestResult:
    """Whether all overlapping m-bit patterns are equally frequent (two P-values, ∇ψ² and ∇²ψ²)."""
    eps = as_bits(bits)
    n = eps.size
    m = block_length
    require_parameter(NAME, "block_length", m, 2, 24)
    require_length(NAME, n, m, f"one window of m = {m} bits")
    psi_m, psi_m1, psi_m2 = (_psi2(eps, m - k) for k in range(3))
    del1 = psi_m - psi_m1
    del2 = psi_m - 2.0 * psi_m1 + psi_m2
    p1 = float(gammaincc(2.0 ** (m - 1) / 2, del1 / 2.0))
    p2 = float(gammaincc(2.0 ** (m - 2) / 2, del2 / 2.0))
    details = {"psi2_m": psi_m, "psi2_m1": psi_m1, "psi2_m2": psi_m2}
    return TestResult(
        NAME, n, {"block_length": m}, ("p1", "p2"), (del1, del2), (p1, p2), details=details
    )
