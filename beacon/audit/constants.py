"""Binary expansions of e, π, √2 and √3 as sts-2.1.2's ``data/`` files hold them.

The files ``data.e``, ``data.pi``, ``data.sqrt2``, ``data.sqrt3`` shipped with
sts-2.1.2 (and used for SP 800-22 Rev.1a Appendix B) start with the bits of the
integer part and continue with the fraction: e = 10.1011011111… gives the stream
1,0,1,0,1,1,0,1,1,1,1,1, π = 11.0010010000… gives 1,1,0,0,1,0,0,1,0,0,0,0, and
√2 = 1.0110101000… gives 1,0,1,1,0,1,0,1,0,0,0 (checked against the files' first
line). So the first ``n`` bits are the binary digits of ``⌊c · 2^(n-k)⌋`` where ``k``
is the bit length of ``⌊c⌋``.

Square roots are exact integer square roots. e and π come from MPFR (gmpy2) with 64
guard bits; the truncation is refused (fail closed) if the guard bits are all 0 or
all 1, which would mean the floor might be off by one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import gmpy2
import numpy as np

from beacon.audit.bits import Bits
from beacon.errors import InputError

_GUARD: Final = 64


def _mpfr_scaled(make: Callable[[], object], integer_bits: int, n: int) -> int:
    shift = n - integer_bits + _GUARD
    with gmpy2.context(gmpy2.get_context(), precision=n + 2 * _GUARD):
        value = gmpy2.mul_2exp(make(), shift)
        scaled = int(gmpy2.floor(value))
    guard = scaled & ((1 << _GUARD) - 1)
    if guard in (0, (1 << _GUARD) - 1):
        # The true value may sit on the other side of an integer: refuse rather than guess.
        raise ArithmeticError(f"expansion to {n} bits is too close to a rounding boundary")
    return scaled >> _GUARD


def _sqrt_scaled(radicand: int, integer_bits: int, n: int) -> int:
    shift = n - integer_bits
    return int(gmpy2.isqrt(radicand << (2 * shift)))


_EXPANSIONS: Final[dict[str, Callable[[int], int]]] = {
    "e": lambda n: _mpfr_scaled(lambda: gmpy2.exp(1), 2, n),
    "pi": lambda n: _mpfr_scaled(gmpy2.const_pi, 2, n),
    "sqrt2": lambda n: _sqrt_scaled(2, 1, n),
    "sqrt3": lambda n: _sqrt_scaled(3, 1, n),
}

#: The constants sts-2.1.2 ships data files for.
CONSTANTS: Final = tuple(_EXPANSIONS)


def expansion(constant: str, n: int) -> Bits:
    """The first ``n`` bits of ``constant`` (one of :data:`CONSTANTS`), integer part first."""
    if constant not in _EXPANSIONS:
        raise InputError(
            f"unknown constant {constant!r}: expected one of {', '.join(CONSTANTS)}",
            field="constant",
        )
    if n < 2:
        raise InputError(f"bit count must be at least 2, got {n}", field="bits")
    value = _EXPANSIONS[constant](n)
    if value.bit_length() != n:
        raise ArithmeticError(f"{constant}: expected {n} bits, got {value.bit_length()}")
    raw = value.to_bytes((n + 7) // 8, "big")
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="big")
    return bits[bits.size - n :]
