"""Frequency (monobit) test, SP 800-22 Rev.1a §2.1 (sts-2.1.2 ``frequency.c``)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

from beacon.audit.bits import as_bits
from beacon.audit.result import TestResult

NAME = "frequency"


def frequency(bits: object) -> TestResult:
    """Whether the numbers of ones and zeros are about the same.

    §2.1.4: ``S_n = Σ (2ε_i − 1)``, ``s_obs = |S_n|/√n``, P-value ``erfc(s_obs/√2)``.
    """
    eps = as_bits(bits)
    n = eps.size
    s_n = 2 * int(np.count_nonzero(eps)) - n
    s_obs = abs(s_n) / math.sqrt(n)
    p = float(erfc(s_obs / math.sqrt(2)))
    return TestResult(NAME, n, {}, ("",), (s_obs,), (p,), details={"sum": s_n})
