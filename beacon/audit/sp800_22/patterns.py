"""Sliding m-bit window codes, the counting core of five SP 800-22 tests.

The window starting at bit ``i`` is read most significant bit first, so the code of
``ε_i … ε_{i+m-1}`` is ``Σ ε_{i+k} 2^{m-1-k}``: the integer a template written as a
bit string denotes. Built with ``m`` shifted ORs over the whole array (no Python
loop over bits), then counted with ``bincount``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from beacon.audit.bits import Bits

Codes = npt.NDArray[np.signedinteger[Any]]


def window_codes(bits: Bits, m: int, *, circular: bool) -> Codes:
    """Codes of every m-bit window.

    ``circular=False`` gives the ``n - m + 1`` windows inside the sequence (template
    tests); ``circular=True`` gives ``n`` windows, wrapping around to the start as
    sts-2.1.2's serial and approximate entropy tests do (``epsilon[(i+j) % n]``).
    """
    n = bits.size
    source = np.concatenate([bits, bits[: m - 1]]) if circular else bits
    count = n if circular else n - m + 1
    # int32 halves the memory traffic of the m shifted ORs; m <= 30 always fits.
    codes: Codes = np.zeros(count, dtype=np.int32 if m <= 30 else np.int64)
    for k in range(m):
        codes <<= 1
        codes |= source[k : k + count]
    return codes


def pattern_counts(bits: Bits, m: int) -> npt.NDArray[np.int64]:
    """``ν_{i1…im}``: how often each of the 2^m patterns occurs, windows wrapping around."""
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    return np.bincount(window_codes(bits, m, circular=True), minlength=1 << m).astype(np.int64)
