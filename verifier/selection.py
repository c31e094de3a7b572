"""Selection from R (PROTOCOL.md §12): the stream, simple discard, partial Fisher–Yates."""

from __future__ import annotations

from verifier import encoding as enc


class Bits:
    """The bit stream of selection ``index`` (§12.1), most significant bit first."""

    def __init__(self, r: bytes, index: int) -> None:
        self.r, self.index = r, index
        self.blocks = 0  # blocks hashed so far
        self.used = 0  # bits consumed so far
        self._buffer, self._available = 0, 0

    def take(self, m: int) -> int:
        while self._available < m:
            block = enc.labelled(
                "sha512",
                enc.SELECTION_STREAM,
                self.r,
                enc.uint(self.index, 32),
                enc.uint(self.blocks, 64),
            )
            self.blocks += 1
            self._buffer = self._buffer << 512 | int.from_bytes(block, "big")
            self._available += 512
        self._available -= m
        self.used += m
        value = self._buffer >> self._available
        self._buffer &= (1 << self._available) - 1
        return value


def below(r: int, bits: Bits) -> int:
    """An integer uniform in [0, r), SP 800-90A Rev.1 A.5.1 simple discard (§12.2)."""
    m = (r - 1).bit_length()
    while True:
        c = bits.take(m)
        if c < r:
            return c


def pick(r: bytes, index: int, n: int, k: int) -> tuple[list[int], Bits]:
    """The indexes of the pick (§12.3): ``k`` of ``n`` in draw order (``k = n`` for a permutation)."""
    bits, idx = Bits(r, index), list(range(n))
    for s in range(k):
        t = s + below(n - s, bits)
        idx[s], idx[t] = idx[t], idx[s]
    return idx[:k], bits
