"""The prover's side of the VDF: the checkpoint plan and π from checkpoints (PROTOCOL.md §11.6).

Wesolowski ("Efficient verifiable delay functions", §4.1; also Boneh–Bünz–Fisch,
"A Survey of Two Verifiable Delay Functions", §3.2) writes q = ⌊2^T/ℓ⌋ in base 2^k,
q = Σ_m b_m·2^(km), so that π = x^q = Π_m (x^(2^(km)))^(b_m). The evaluation keeps
C_i = x^(2^(i·k·l)) only (one value every k·l squarings); the prover then makes l
passes j = l−1 … 0 over them, gathering C_i into bucket b_(i·l+j) and combining the
buckets as Π_b bucket_b^b, and joins the passes by Horner's rule in 2^k:

    π = Π_j ( Π_i C_i^(b_(i·l+j)) )^(2^(kj)).

Each digit is found on the fly from the remainder r = 2^(T−k(m+1)) mod ℓ as
b_m = ⌊2^k·r/ℓ⌋, stepping r by 2^(kl) between checkpoints, so no power of 2^T is
ever formed. The cost is about T/k multiplications for the digits plus
l·2^(k+1) for the bucket sums; memory is ⌈T/(kl)⌉ checkpoints plus 2^k buckets.

None of this is normative: π = x^⌊2^T/ℓ⌋ is unique, so any plan gives the same bytes.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import gmpy2

MAX_CHECKPOINTS: Final = 2**18
MAX_DIGIT_BITS: Final = 16
# Checkpoints whose digits one long division produces (bounds its memory: 2048·s bits).
_BLOCK: Final = 2048
# Squarings per gmpy2.powmod call during evaluation (vdf.CHUNK).
_CHUNK: Final = 4096

# The planner's cost model, in units of one squaring inside gmpy2.powmod. A
# modular multiplication in Python (a*b % N, plus the digit step) costs about 1.7
# of them on the benchmark machine (bench/RESULTS.md, "VDF": about 2.3 µs against
# 1.4 µs per squaring); plans for T from 2^10 to 2^32 are the same with 1.6 or
# 1.7, so the model need not be exact. A powmod call costs
# about 2 for the call and its Montgomery conversions, plus the 2^(w-1) odd powers
# that GMP's mpz_powm tabulates for a w-bit window, w growing with the exponent's
# length at these thresholds (GMP mpn/generic/powm.c, win_size).
_MULTIPLY: Final = 1.7
_CALL: Final = 2.0
_WINDOW_THRESHOLDS: Final = (7, 25, 81, 241, 673, 1793, 4609, 11521, 28161)


@dataclass(frozen=True)
class Plan:
    """Digits of ``k`` bits and ``l`` passes: a checkpoint every k·l squarings.

    k·l must be a multiple of 8, so that each checkpoint's share of q starts on a
    byte boundary and the prover can read all digits of a block from bytes.
    """

    k: int
    l: int  # noqa: E741 - Wesolowski's name

    def __post_init__(self) -> None:
        for name, value, top in (("k", self.k, MAX_DIGIT_BITS), ("l", self.l, 2**64)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise ValueError(f"plan.{name}: expected an integer in [1, {top}], got {value!r}")
        if self.spacing % 8:
            raise ValueError(f"plan: k·l must be a multiple of 8, got {self.k}·{self.l}")

    @property
    def spacing(self) -> int:
        """Squarings between two retained checkpoints."""
        return self.k * self.l

    def checkpoints(self, t: int) -> int:
        """How many checkpoints an evaluation of T squarings retains (x included)."""
        return -(-t // self.spacing)


def _call_cost(squarings: int) -> float:
    window = next((w for w, top in enumerate(_WINDOW_THRESHOLDS, 1) if squarings + 1 <= top), 10)
    return _CALL + (1 << (window - 1))


def _interval_cost(spacing: int) -> float:
    """Call overhead of evaluating one checkpoint interval, in squarings."""
    full, rest = divmod(spacing, _CHUNK)
    return full * _call_cost(_CHUNK) + (_call_cost(rest) if rest else 0.0)


@functools.lru_cache(maxsize=256)
def plan(t: int) -> Plan:
    """The plan that minimises modelled evaluation overhead plus proof time for T.

    It keeps at most 2^18 checkpoints and 2^16 buckets. Evaluation pays one
    powmod call per checkpoint, so a short spacing slows it down; the proof pays
    T/k digit multiplications plus l·2^(k+1) for the bucket sums, so a long
    spacing (large l) slows the proof. The model weighs both with measured costs.
    """
    if isinstance(t, bool) or not isinstance(t, int) or t < 1:
        raise ValueError(f"T: expected a positive integer, got {t!r}")
    _, k, l = min(_candidates(t))  # noqa: E741
    return Plan(k=k, l=l)


def _candidates(t: int) -> Iterator[tuple[float, int, int]]:
    """(modelled cost, k, l) of every plan within the limits; at least one per k."""
    for k in range(1, MAX_DIGIT_BITS + 1):
        step = 8 // math.gcd(k, 8)  # the smallest l with k·l a multiple of 8
        l_min = -(-t // (k * MAX_CHECKPOINTS))
        l_min += -l_min % step
        l_max = max(l_min, min(t, _CHUNK) // k)
        for l in range(l_min, l_max + 1, step):  # noqa: E741
            s = k * l
            cost = -(-t // s) * _interval_cost(s) + _MULTIPLY * (t // k + l * 2 ** (k + 1)) + l * k
            yield cost, k, l


def _bucket_sum(buckets: list[Any], n: Any) -> Any:
    """Π_b buckets[b]^b by running products from the top: about 2 multiplications a bucket."""
    running = total = None
    for b in range(len(buckets) - 1, 0, -1):
        if buckets[b] is not None:
            running = buckets[b] if running is None else running * buckets[b] % n
        if running is not None:
            total = running if total is None else total * running % n
    return gmpy2.mpz(1) if total is None else total


def bucket_power(values: Sequence[int], t: int, ell: int, p: Plan, modulus: int) -> int:
    """x^⌊2^T/ℓ⌋ mod N from the checkpoints C_i = values[i] (Wesolowski §4.1).

    Requires ℓ > 2^k, so that only full k-bit digits of q can be non-zero: the top
    partial digit is ⌊2^(T mod k)/ℓ⌋ = 0 (ℓ ≥ 2^255 here).
    """
    k, passes, s = p.k, p.l, p.spacing
    if ell <= 1 << k:
        raise ValueError("the challenge must exceed 2^k")
    n = gmpy2.mpz(modulus)
    c = [gmpy2.mpz(v) for v in values]
    ell_ = gmpy2.mpz(ell)
    digits = t // k  # digits m = 0 .. digits-1 of q; m = i·l + j
    # The digit of checkpoint i in pass j is the top k bits of the s-bit quotient
    # ⌊r·2^s/ℓ⌋, where r = 2^(T − k(il + j + 1)) mod ℓ; the next checkpoint down
    # continues from r·2^s mod ℓ. One long division by ℓ therefore yields a whole
    # block of them at once, s bits (a whole number of bytes) per checkpoint.
    width = s // 8
    head = min(width, 2)
    records = struct.Struct((">H" if head == 2 else ">B") + "x" * (width - head)).iter_unpack
    shift = 8 * head - k
    step = gmpy2.mpz(1) << k
    result = gmpy2.mpz(1)
    for j in range(passes - 1, -1, -1):
        result = gmpy2.powmod(result, step, n)
        if j >= digits:
            continue
        i = (digits - 1 - j) // passes  # the highest checkpoint with a digit in this pass
        r = gmpy2.powmod(2, t - k * (i * passes + j + 1), ell_)
        buckets: list[Any] = [None] * (1 << k)
        while i >= 0:
            count = min(_BLOCK, i + 1)
            quotient, r = gmpy2.f_divmod(r << (s * count), ell_)
            block = int(quotient).to_bytes(width * count, "big")
            for (top,), index in zip(records(block), range(i, i - count, -1), strict=True):
                b = top >> shift
                if b:
                    bucket = buckets[b]
                    buckets[b] = c[index] if bucket is None else bucket * c[index] % n
            i -= count
        result = result * _bucket_sum(buckets, n) % n
    return int(result)
