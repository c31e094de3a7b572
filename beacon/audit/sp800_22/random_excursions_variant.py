"""Random excursions variant test, SP 800-22 Rev.1a §2.15 (sts-2.1.2
``randomExcursionsVariant.c``)."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from scipy.special import erfc

from beacon.audit.bits import as_bits
from beacon.audit.result import TestResult, not_applicable
from beacon.audit.sp800_22.random_excursions import cycle_count, minimum_cycles, walk

NAME = "random_excursions_variant"

STATES: Final = (-9, -8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9)


def random_excursions_variant(bits: object, *, min_cycles: float | None = None) -> TestResult:
    """Whether the total visits ξ(x) to states ±1 … ±9 deviate from J.

    Eighteen P-values labelled ``x=-9`` … ``x=9``: ``erfc(|ξ(x) − J| / √(2J(4|x| − 2)))``.
    Not applicable when J is below ``min_cycles`` (default: sts-2.1.2's
    ``(int)max(0.005·√n, 500)``).
    """
    eps = as_bits(bits)
    n = eps.size
    s = walk(eps)
    cycles = cycle_count(s)
    bound = float(int(minimum_cycles(n))) if min_cycles is None else float(min_cycles)
    params = {"min_cycles": bound}
    if cycles < bound:
        return not_applicable(
            NAME, n, params, f"J = {cycles} cycles, fewer than {bound:g}", {"cycles": cycles}
        )
    inside = np.abs(s) <= 9
    visits = np.bincount(s[inside] + 9, minlength=19)
    labels, statistics, pvalues = [], [], []
    for x in STATES:
        xi = int(visits[x + 9])
        labels.append(f"x={x}")
        statistics.append(float(xi))
        pvalues.append(float(erfc(abs(xi - cycles) / math.sqrt(2.0 * cycles * (4.0 * abs(x) - 2)))))
    return TestResult(
        NAME,
        n,
        params,
        tuple(labels),
        tuple(statistics),
        tuple(pvalues),
        details={"cycles": cycles},
    )
