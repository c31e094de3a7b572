"""Overlapping template matching test, SP 800-22 Rev.1a §2.8 (sts-2.1.2
``overlappingTemplateMatchings.c``)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaincc, gammaln

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult
from beacon.audit.sp800_22.patterns import window_codes

NAME = "overlapping_template"

DEFAULT_TEMPLATE_LENGTH = 9
#: sts-2.1.2 fixes M = 1032 and K = 5 (classes 0, 1, 2, 3, 4, ≥ 5 matches).
DEFAULT_BLOCK_LENGTH = 1032
CLASSES = 5


def class_probabilities(block_length: int, m: int, k: int = CLASSES) -> tuple[float, ...]:
    """sts-2.1.2's ``Pr(u, η)`` for u = 0 … K−1 and the remainder for u ≥ K.

    sts-2.1.2 declares the §2.8 table {0.364091, 0.185659, 0.139381, 0.100571,
    0.070432, 0.139865} and then overwrites it with these values (AUDIT.md §3):
    ``Pr(0) = e^{−η}``, ``Pr(u) = Σ_{l=1}^{u} e^{−η−u ln 2 + l ln η − lgam(l+1)
    + lgam(u) − lgam(l) − lgam(u−l+1)}`` with ``η = λ/2 = (M − m + 1)/2^{m+1}``.
    """
    lam = (block_length - m + 1) / 2.0**m
    eta = lam / 2.0
    pi = [math.exp(-eta)]
    for u in range(1, k):
        pi.append(
            sum(
                math.exp(
                    -eta
                    - u * math.log(2)
                    + j * math.log(eta)
                    - gammaln(j + 1)
                    + gammaln(u)
                    - gammaln(j)
                    - gammaln(u - j + 1)
                )
                for j in range(1, u + 1)
            )
        )
    pi.append(1.0 - sum(pi))
    return tuple(pi)


def overlapping_template(
    bits: object,
    *,
    template_length: int = DEFAULT_TEMPLATE_LENGTH,
    block_length: int = DEFAULT_BLOCK_LENGTH,
) -> TestResult:
    """Whether runs of m ones (overlaps allowed) occur as often as expected per block."""
    eps = as_bits(bits)
    n = eps.size
    m = template_length
    require_parameter(NAME, "template_length", m, 1, 30)
    require_parameter(NAME, "block_length", block_length, m)
    require_length(NAME, n, block_length, f"one block of M = {block_length} bits")
    blocks = n // block_length
    ones = (1 << m) - 1
    hits = window_codes(eps[: blocks * block_length], m, circular=False) == ones
    # Pad to whole blocks, then keep windows j = 0 … M − m of each block.
    hits = np.concatenate([hits, np.zeros(m - 1, dtype=bool)]).reshape(blocks, block_length)
    per_block = hits[:, : block_length - m + 1].sum(axis=1)
    nu = np.bincount(np.minimum(per_block, CLASSES), minlength=CLASSES + 1)
    pi = np.asarray(class_probabilities(block_length, m))
    chi2 = float(np.sum((nu - blocks * pi) ** 2 / (blocks * pi)))
    p = float(gammaincc(CLASSES / 2.0, chi2 / 2.0))
    params = {"template_length": m, "block_length": block_length, "blocks": blocks}
    details = {"nu": tuple(int(x) for x in nu), "probabilities": tuple(float(x) for x in pi)}
    return TestResult(NAME, n, params, ("",), (chi2,), (p,), details=details)
