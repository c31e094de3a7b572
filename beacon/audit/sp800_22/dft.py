"""Discrete Fourier transform (spectral) test, SP 800-22 Rev.1a §2.6 (sts-2.1.2
``discreteFourierTransform.c``)."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
from scipy.special import erfc

from beacon.audit.bits import as_bits, require_length
from beacon.audit.result import TestResult

NAME = "dft"

# sts-2.1.2: upperBound = sqrt(2.995732274*n), i.e. T = √(ln(1/0.05)·n); 95 % of the
# n/2 counted moduli are expected below it.
_LOG_TWENTY = 2.995732274


def dft(bits: object) -> TestResult:
    """Whether periodic features show up as too many large Fourier coefficients.

    Follows sts-2.1.2 exactly: the moduli ``|F_0| … |F_{n/2−1}|`` are counted (the
    DC term included, ``⌊n/2⌋`` values), ``N_0 = 0.95·n/2``, and
    ``d = (N_1 − N_0)/√(n·0.95·0.05/4)``. AUDIT.md §3 explains how this differs from
    earlier releases and from the §2.6.4 worked example.
    """
    eps = as_bits(bits)
    n = eps.size
    require_length(NAME, n, 2, "at least one Fourier coefficient to count")
    x = 2.0 * eps.astype(np.float64) - 1.0
    moduli = np.abs(scipy.fft.rfft(x))[: n // 2]
    bound = math.sqrt(_LOG_TWENTY * n)
    n1 = float(np.count_nonzero(moduli < bound))
    n0 = 0.95 * n / 2.0
    d = (n1 - n0) / math.sqrt(n / 4.0 * 0.95 * 0.05)
    p = float(erfc(abs(d) / math.sqrt(2.0)))
    return TestResult(
        NAME, n, {}, ("",), (d,), (p,), details={"n1": int(n1), "n0": n0, "bound": bound}
    )
