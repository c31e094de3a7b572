"""Exact uniform selection from the draw output R (PROTOCOL.md §12).

The stream: block ``i`` is ``SHA-512(F(label) ‖ F(R) ‖ F(u32(selection index)) ‖
F(u64(i)))`` for i = 0, 1, …; the stream is the blocks in order, each byte read
most significant bit first.

An integer in [0, r) is drawn with NIST SP 800-90A Rev.1 Appendix A.5.1, the
*simple discard method*: take the next m = bitlen(r − 1) bits as a big-endian
integer c (first bit most significant); output c if c < r, otherwise discard the m
bits and try again. Every accepted c is equally likely, so every candidate has
probability exactly 1/r: no modulo bias, no floating point, no rounding. For r = 1
no bit is read.

k of n without replacement is a partial Fisher–Yates shuffle driven by exact draws;
a permutation is the full shuffle. The bit source is a parameter so that the tests
can enumerate every possible input (PROTOCOL.md §12.4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from beacon.core import labels
from beacon.core.definition import Kind, Selection
from beacon.core.encoding import Reader, Writer
from beacon.errors import EncodingError, InputError

BLOCK_BYTES = 64
MAX_PICKED = 10_000  # = definition.MAX_CANDIDATES
MAX_BLOCKS = 2**32  # far beyond any real list; guards the u64 counter against misuse


class BitSource(Protocol):
    def take(self, m: int) -> int:
        """The next ``m`` bits as a big-endian integer (first bit most significant)."""
        ...


class SelectionStream:
    """The counter-mode SHA-512 bit stream keyed by R and a selection index."""

    __slots__ = ("_buffer", "_buffered_bits", "_counter", "_prefix", "bits_used")

    def __init__(self, r: bytes, index: int) -> None:
        if len(r) != 64:
            raise InputError(f"R must be 64 bytes, got {len(r)}")
        # Fields before the counter never change: hash them once.
        self._prefix = Writer().str(labels.SELECTION_STREAM).bytes(r).u32(index).finish()
        self._counter = 0
        self._buffer = 0
        self._buffered_bits = 0
        self.bits_used = 0

    def block(self, i: int) -> bytes:
        """Block i of the stream: SHA-512 over the fixed prefix fields and F(u64(i))."""
        return hashlib.sha512(self._prefix + Writer().u64(i).finish()).digest()

    def take(self, m: int) -> int:
        while self._buffered_bits < m:
            if self._counter >= MAX_BLOCKS:
                raise InputError("selection stream exhausted (2^32 blocks)")
            block = self.block(self._counter)
            self._counter += 1
            self._buffer = (self._buffer << (8 * BLOCK_BYTES)) | int.from_bytes(block, "big")
            self._buffered_bits += 8 * BLOCK_BYTES
        self._buffered_bits -= m
        value = self._buffer >> self._buffered_bits
        self._buffer &= (1 << self._buffered_bits) - 1
        self.bits_used += m
        return value

    @property
    def blocks_used(self) -> int:
        return self._counter


def randbelow(source: BitSource, r: int) -> int:
    """SP 800-90A Rev.1 A.5.1 simple discard: uniform in [0, r)."""
    if r < 1:
        raise InputError(f"cannot draw from an empty range (r = {r})")
    m = (r - 1).bit_length()
    while True:
        c = source.take(m)
        if c < r:
            return c


def shuffle_prefix(source: BitSource, n: int, k: int) -> list[int]:
    """The first k positions of a Fisher–Yates shuffle of range(n) (k ≤ n).

    Step i swaps position i with i + randbelow(n − i), so each ordered k-tuple of
    distinct indices has probability exactly (n − k)! / n!.
    """
    if not 0 <= k <= n:
        raise InputError(f"cannot pick {k} of {n}")
    order = list(range(n))
    for i in range(k):
        j = i + randbelow(source, n - i)
        order[i], order[j] = order[j], order[i]
    return order[:k]


@dataclass(frozen=True)
class Pick:
    """The outcome of one selection: candidate indexes and values, in draw order."""

    code: str
    indexes: tuple[int, ...]
    values: tuple[str, ...]

    def encode(self) -> bytes:
        w = Writer().str(self.code).list(self.indexes, Writer.u32)
        return w.str_list(self.values).finish()

    @classmethod
    def read(cls, r: Reader) -> Pick:
        code = r.str("code", max_size=16)
        indexes = tuple(r.list("indexes", lambda r, i: r.u32(str(i)), max_items=MAX_PICKED))
        values = tuple(r.str_list("values", max_items=MAX_PICKED, max_size=64))
        r.done()
        if len(indexes) != len(values):
            raise EncodingError(f"pick {code}: {len(indexes)} indexes but {len(values)} values")
        return cls(code, indexes, values)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "indexes": list(self.indexes), "values": list(self.values)}


def pick(selection: Selection, candidates: Sequence[str], source: BitSource) -> Pick:
    """Draw ``selection`` over ``candidates`` (its own list, or the snapshot's)."""
    n = len(candidates)
    if n == 0:
        raise InputError(f"{selection.code}: no candidates to draw from")
    if selection.kind is Kind.PICK_ONE:
        k = 1
    elif selection.kind is Kind.PERMUTATION:
        k = n
    else:
        k = selection.k
        if k > n:
            raise InputError(f"{selection.code}: k = {k} exceeds the {n} candidates")
    indexes = tuple(shuffle_prefix(source, n, k))
    return Pick(code=selection.code, indexes=indexes, values=tuple(candidates[i] for i in indexes))


def draw_selection(r: bytes, index: int, selection: Selection, candidates: Sequence[str]) -> Pick:
    """The pick of the ``index``-th selection of a definition, from R."""
    return pick(selection, candidates, SelectionStream(r, index))
