"""Randomness as a seam: pulses draw ``localRandomValue`` through an :class:`Entropy`."""

from __future__ import annotations

import secrets
import threading
from typing import Protocol

from beacon.core import labels
from beacon.core.encoding import sha512_fields, uint


class Entropy(Protocol):
    def random_bytes(self, n: int) -> bytes:
        """``n`` bytes that nobody can predict (for a real source)."""
        ...


class SystemEntropy:
    """The operating system's CSPRNG through :mod:`secrets`."""

    def random_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)


class DeterministicEntropy:
    """Reproducible bytes for tests and demos: SHA-512 of a seed and a counter.

    Predictable by construction: never use it for a real beacon.
    """

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._lock = threading.Lock()

    def random_bytes(self, n: int) -> bytes:
        if not 0 <= n <= 64:
            raise ValueError(f"at most 64 bytes per call, asked for {n}")
        with self._lock:
            self._counter += 1
            counter = self._counter
        return sha512_fields(labels.DEMO_SEED, self._seed, uint(counter, 64))[:n]
