"""Exhaustive checks that the selection mapping is exactly uniform (PROTOCOL.md §12.4).

Statistics can only fail to find a bias; enumeration proves there is none. Both
functions feed the *real* selection code (:func:`beacon.core.selection.randbelow`
and :func:`~beacon.core.selection.shuffle_prefix`) every possible input of a
reduced width and count where each input lands:

* :func:`enumerate_discard` — all ``2^m`` values of one attempt of SP 800-90A
  Rev.1 A.5.1 for a list of ``r`` candidates. Exact uniformity means each candidate
  is hit by exactly one accepted value and the other ``2^m − r`` values are
  discarded (and then redrawn from fresh bits, so the retry is again uniform).
* :func:`enumerate_shuffle` — all bit strings of the length a discard-free partial
  Fisher–Yates shuffle of ``k`` of ``n`` consumes. Exact uniformity means every
  ordered k-tuple of distinct candidates arises from exactly one accepted string.

Bits are handed over most significant first, as the selection stream reads them
(§12.1), so the enumerated inputs are exactly the stream's possible contents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from math import perm
from typing import Final

from beacon.core.selection import randbelow, shuffle_prefix
from beacon.errors import InputError

#: Widest input enumerated (2^24 ≈ 1.7·10^7 calls into the selection code).
MAX_BITS: Final = 24


class _Exhausted(Exception):
    """The enumerated input ran out: the selection code discarded a value and asked again."""


class _FixedBits:
    """A :class:`~beacon.core.selection.BitSource` over one ``width``-bit input."""

    __slots__ = ("_remaining", "_value")

    def __init__(self, value: int, width: int) -> None:
        self._value = value
        self._remaining = width

    def take(self, m: int) -> int:
        if m > self._remaining:
            raise _Exhausted
        self._remaining -= m
        return (self._value >> self._remaining) & ((1 << m) - 1)


@dataclass(frozen=True)
class DiscardEnumeration:
    """Where each of the ``2^m`` inputs of one A.5.1 attempt goes, for ``r`` candidates."""

    r: int
    m: int
    hits: tuple[int, ...]  # hits[c]: how many inputs give candidate c
    discarded: int

    @property
    def inputs(self) -> int:
        return 1 << self.m

    @property
    def deviations(self) -> int:
        """Σ |hits − 1| + |discarded − (2^m − r)|: zero exactly when the mapping is uniform."""
        expected_discards = self.inputs - self.r
        return sum(abs(h - 1) for h in self.hits) + abs(self.discarded - expected_discards)

    @property
    def discard_rate(self) -> float:
        """The fraction of attempts discarded, ``1 − r/2^m`` when exact (always < ½)."""
        return self.discarded / self.inputs


def enumerate_discard(r: int) -> DiscardEnumeration:
    """Run :func:`~beacon.core.selection.randbelow` on every m-bit input, m = bitlen(r − 1)."""
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise InputError(f"r must be an integer >= 1, got {r!r}", field="r")
    m = (r - 1).bit_length()
    if m > MAX_BITS:
        raise InputError(f"r = {r} needs {m} bits; at most {MAX_BITS} are enumerated", field="r")
    hits = [0] * r
    discarded = 0
    for value in range(1 << m):
        try:
            hits[randbelow(_FixedBits(value, m), r)] += 1
        except _Exhausted:
            discarded += 1
    return DiscardEnumeration(r=r, m=m, hits=tuple(hits), discarded=discarded)


@dataclass(frozen=True)
class ShuffleEnumeration:
    """Where each input of a discard-free partial Fisher–Yates shuffle of k of n goes."""

    n: int
    k: int
    width: int  # Σ bitlen(n − 1 − s) for s < k: the bits a discard-free shuffle reads
    tuples: Mapping[tuple[int, ...], int]  # ordered k-tuple → accepted inputs giving it
    discarded: int  # inputs on which some step discarded a value

    @property
    def inputs(self) -> int:
        return 1 << self.width

    @property
    def expected_tuples(self) -> int:
        """n!/(n − k)!: the number of ordered k-tuples of distinct candidates."""
        return perm(self.n, self.k)

    @property
    def deviations(self) -> int:
        """Missing tuples plus Σ |count − 1|: zero exactly when every tuple arises once."""
        missing = self.expected_tuples - len(self.tuples)
        return missing + sum(abs(c - 1) for c in self.tuples.values())


def shuffle_width(n: int, k: int) -> int:
    """Bits a discard-free shuffle of k of n reads: step s draws below n − s (§12.3)."""
    return sum((n - s - 1).bit_length() for s in range(k))


def enumerate_shuffle(n: int, k: int) -> ShuffleEnumeration:
    """Run :func:`~beacon.core.selection.shuffle_prefix` on every input of the discard-free width."""
    for name, value in (("n", n), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{name} must be an integer, got {value!r}", field=name)
    if not 0 <= k <= n or n < 1:
        raise InputError(f"need 0 <= k <= n and n >= 1, got k = {k}, n = {n}", field="k")
    width = shuffle_width(n, k)
    if width > MAX_BITS:
        raise InputError(
            f"a shuffle of {k} of {n} reads {width} bits; at most {MAX_BITS} are enumerated",
            field="n",
        )
    tuples: Counter[tuple[int, ...]] = Counter()
    discarded = 0
    for value in range(1 << width):
        source = _FixedBits(value, width)
        try:
            tuples[tuple(shuffle_prefix(source, n, k))] += 1
        except _Exhausted:
            discarded += 1
    return ShuffleEnumeration(n=n, k=k, width=width, tuples=dict(tuples), discarded=discarded)
