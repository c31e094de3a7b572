"""Time as a seam: the pulser asks a :class:`Clock`, tests pass a :class:`FakeClock`."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Milliseconds since 1970-01-01T00:00:00Z, and a way to wait for a moment."""

    def now_ms(self) -> int: ...

    def wait_until(self, target_ms: int, stop: threading.Event) -> None:
        """Return when ``now_ms() >= target_ms`` or ``stop`` is set, whichever is first."""
        ...


class SystemClock:
    """The operating system's UTC clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def wait_until(self, target_ms: int, stop: threading.Event) -> None:
        while not stop.is_set():
            remaining = target_ms - self.now_ms()
            if remaining <= 0:
                return
            # Re-read the clock at least every second so that a stepped clock is noticed.
            stop.wait(min(remaining / 1000, 1.0))


class FakeClock:
    """A clock that moves only when told to; waiters wake when it passes their target."""

    def __init__(self, start_ms: int) -> None:
        self._now = start_ms
        self._changed = threading.Condition()

    def now_ms(self) -> int:
        with self._changed:
            return self._now

    def set(self, ms: int) -> None:
        with self._changed:
            if ms < self._now:
                raise ValueError(f"a fake clock does not go back: {ms} < {self._now}")
            self._now = ms
            self._changed.notify_all()

    def advance(self, ms: int) -> None:
        self.set(self.now_ms() + ms)

    def wait_until(self, target_ms: int, stop: threading.Event) -> None:
        with self._changed:
            while self._now < target_ms and not stop.is_set():
                # A short real timeout lets a waiter notice ``stop`` without a notify.
                self._changed.wait(0.05)
