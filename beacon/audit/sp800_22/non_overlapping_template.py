"""Non-overlapping template matching test, SP 800-22 Rev.1a §2.7 (sts-2.1.2
``nonOverlappingTemplateMatchings.c``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy.special import gammaincc

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult
from beacon.audit.sp800_22.patterns import window_codes
from beacon.errors import InputError

NAME = "non_overlapping_template"

DEFAULT_TEMPLATE_LENGTH = 9
#: sts-2.1.2 fixes N = 8 blocks.
DEFAULT_BLOCK_COUNT = 8


def is_aperiodic(template: str) -> bool:
    """True when no proper prefix of ``template`` equals its suffix (§2.7.2: "aperiodic")."""
    m = len(template)
    return all(template[:k] != template[m - k :] for k in range(1, m))


@cache
def aperiodic_templates(m: int) -> tuple[str, ...]:
    """All aperiodic m-bit templates in ascending order.

    This is the order of sts-2.1.2's ``templates/template<m>`` files (for m = 9, 148
    templates, the first ``000000001``): checked line by line against template9.
    """
    return tuple(t for t in (format(v, f"0{m}b") for v in range(1 << m)) if is_aperiodic(t))


def non_overlapping_template(
    bits: object,
    *,
    template_length: int = DEFAULT_TEMPLATE_LENGTH,
    block_count: int = DEFAULT_BLOCK_COUNT,
    templates: Sequence[str] | None = None,
) -> TestResult:
    """Whether aperiodic templates occur as often as expected in N blocks.

    One P-value per template, labelled with the template. sts-2.1.2 scans with a
    window that jumps m bits after each match; for an aperiodic template two matches
    can never overlap, so counting every matching window gives the same ``W_j``.
    Templates given explicitly must therefore be aperiodic.
    """
    eps = as_bits(bits)
    n = eps.size
    m = template_length
    require_parameter(NAME, "template_length", m, 2, 21)
    require_parameter(NAME, "block_count", block_count, 1)
    chosen = aperiodic_templates(m) if templates is None else tuple(templates)
    for t in chosen:
        if len(t) != m or set(t) - {"0", "1"}:
            raise InputError(
                f"{NAME}: template {t!r} is not a {m}-bit string of 0/1", field="templates"
            )
        if not is_aperiodic(t):
            raise InputError(
                f"{NAME}: template {t!r} is periodic; §2.7 needs aperiodic templates",
                field="templates",
            )
    if not chosen:
        raise InputError(f"{NAME}: no templates given", field="templates")
    require_length(NAME, n, block_count * m, f"{block_count} blocks of at least m = {m} bits")
    block_length = n // block_count
    # §2.7.4 step (4): μ = (M − m + 1)/2^m and σ² = M(1/2^m − (2m − 1)/2^{2m}).
    mean = (block_length - m + 1) / 2.0**m
    variance = block_length * (1.0 / 2.0**m - (2.0 * m - 1.0) / 2.0 ** (2.0 * m))
    codes = window_codes(eps[: block_count * block_length], m, circular=False)
    counts = np.empty((block_count, 1 << m), dtype=np.int64)
    for i in range(block_count):
        # Windows starting at j = 0 … M − m of block i lie wholly inside it.
        start = i * block_length
        counts[i] = np.bincount(codes[start : start + block_length - m + 1], minlength=1 << m)
    values = np.array([int(t, 2) for t in chosen], dtype=np.int64)
    w = counts[:, values]
    chi2 = np.sum((w - mean) ** 2 / variance, axis=0)
    pvalues = gammaincc(block_count / 2.0, chi2 / 2.0)
    params = {"template_length": m, "block_count": block_count, "block_length": block_length}
    return TestResult(
        NAME,
        n,
        params,
        chosen,
        tuple(float(c) for c in chi2),
        tuple(float(p) for p in pvalues),
        details={"mean": mean, "variance": variance},
    )
