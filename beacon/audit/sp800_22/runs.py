"""Runs test, SP 800-22 Rev.1a §2.3 (sts-2.1.2 ``runs.c``)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

from beacon.audit.bits import as_bits
from beacon.audit.result import TestResult

NAME = "runs"


def runs(bits: object) -> TestResult:
    """Whether the number of runs (maximal blocks of equal bits) is as expected.

    §2.3.4: the frequency prerequisite ``|π − ½| < τ = 2/√n`` must hold; when it
    fails sts-2.1.2 reports P-value 0.0 without computing ``V_n(obs)``, and so do we
    (``details["prerequisite_failed"]``).
    """
    eps = as_bits(bits)
    n = eps.size
    pi = float(np.count_nonzero(eps)) / n
    if abs(pi - 0.5) > 2.0 / math.sqrt(n):
        return TestResult(
            NAME, n, {}, ("",), (0.0,), (0.0,), details={"pi": pi, "prerequisite_failed": True}
        )
    v_obs = 1 + int(np.count_nonzero(eps[1:] != eps[:-1]))
    spread = 2.0 * n * pi * (1.0 - pi)
    statistic = abs(v_obs - spread) / (2.0 * math.sqrt(2.0 * n) * pi * (1.0 - pi))
    p = float(erfc(statistic))
    return TestResult(
        NAME, n, {}, ("",), (float(v_obs),), (p,), details={"pi": pi, "prerequisite_failed": False}
    )
