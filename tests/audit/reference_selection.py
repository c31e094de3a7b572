"""A second, deliberately plain implementation of PROTOCOL.md §12 and of the audit's
simulated R values (docs/AUDIT.md §8), written from the text for the tests.

It shares no code with beacon.core.selection or beacon.audit.simulation: bits are a
Python string of '0'/'1', fields are built by hand, so a slip in either
implementation shows up as a disagreement.
"""

from __future__ import annotations

import hashlib


def field(value: bytes) -> bytes:
    """PROTOCOL.md §2.1: a 4-byte big-endian length, then the bytes."""
    return len(value).to_bytes(4, "big") + value


def simulated_r(seed: bytes, i: int) -> bytes:
    """R_i = SHA-512(F("tender-beacon/v1/audit-simulation") ‖ F(seed) ‖ F(u64(i)))."""
    label = b"tender-beacon/v1/audit-simulation"
    return hashlib.sha512(field(label) + field(seed) + field(i.to_bytes(8, "big"))).digest()


class Stream:
    """§12.1: SHA-512 blocks of (label, R, u32 selection index, u64 counter), bits MSB first."""

    def __init__(self, r: bytes, index: int) -> None:
        self.r, self.index, self.bits, self.counter = r, index, "", 0

    def take(self, m: int) -> int:
        while len(self.bits) < m:
            block = hashlib.sha512(
                field(b"tender-beacon/v1/selection-stream")
                + field(self.r)
                + field(self.index.to_bytes(4, "big"))
                + field(self.counter.to_bytes(8, "big"))
            ).digest()
            self.counter += 1
            self.bits += "".join(format(byte, "08b") for byte in block)
        chunk, self.bits = self.bits[:m], self.bits[m:]
        return int(chunk, 2) if chunk else 0


def below(stream: Stream, r: int) -> int:
    """§12.2: the simple discard method."""
    m = (r - 1).bit_length()
    while True:
        c = stream.take(m)
        if c < r:
            return c


def pick(r: bytes, index: int, n: int, k: int) -> list[int]:
    """§12.3: the first k positions of the partial Fisher–Yates shuffle of range(n)."""
    stream = Stream(r, index)
    idx = list(range(n))
    for s in range(k):
        t = s + below(stream, n - s)
        idx[s], idx[t] = idx[t], idx[s]
    return idx[:k]


def simulated_counts(seed: bytes, draws: int, n: int, k: int) -> list[list[int]]:
    """Counts per position of ``draws`` simulated picks of k of n (selection index 0)."""
    counts = [[0] * n for _ in range(k)]
    for i in range(draws):
        for position, chosen in enumerate(pick(simulated_r(seed, i), 0, n, k)):
            counts[position][chosen] += 1
    return counts
