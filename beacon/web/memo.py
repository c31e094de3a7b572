"""Per-process memos of read answers, valid exactly as long as what they are built from.

A busy board is read far more than it changes, and two of its hottest answers cost
database round trips or a rebuild on every request (bench/bench_http.py measures
them against a bare endpoint):

* **The newest pulse.** The pulser never emits a pulse for a boundary in the future
  and never backfills (PROTOCOL.md §8.5), so the newest pulse stored at time ``t``,
  stamped ``time_ms``, stays the newest until ``time_ms + period``. That is also how
  long the answer's ``Cache-Control`` lets any HTTP cache keep it (beacon.web.caching),
  so the memo is no staler than a cache in front of the service is allowed to be.
* **Proof bundles.** A bundle is built against the newest pulse and contains only
  statements that pulse's tree head covers (§13); the log and the chain only grow.
  So the answer for a draw is a function of the newest pulse and the log's size:
  with both unchanged, the store holds exactly the same rows and a rebuild gives
  the same bytes. The memo is keyed by both, so it is never stale.

Both assume the web's pulse period equals the pulser's (beacon.web.wsgi says so).
The memo lives in ``app.extensions``, one per app, so each test's app starts empty.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine

from beacon.store import StoredPulse
from beacon.store.log import SizeProbe

EXTENSION = "beacon.memo"
DEFAULT_MAX_BYTES = 32 << 20  # per process; a bundle of a 200-bidder draw is well under 1 MiB


@dataclass(frozen=True)
class Document:
    """A memoised answer body and what its cache headers depend on."""

    body: bytes
    final: bool  # the draw can no longer change (PROTOCOL.md §6.4), so the answer is immutable


class Memo:
    """The newest pulse while it must be the newest, and recent documents by state key."""

    def __init__(self, *, period_ms: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if period_ms <= 0:
            raise ValueError(f"period must be positive, got {period_ms} ms")
        self.period_ms = period_ms
        self.max_bytes = max_bytes
        self._pulse: StoredPulse | None = None
        self._documents: OrderedDict[Hashable, Document] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._probe: SizeProbe | None = None

    def last_pulse(self, now_ms: int, load: Callable[[], StoredPulse | None]) -> StoredPulse | None:
        """The newest pulse: remembered until its period ends, else ``load()``-ed again."""
        known = self._pulse
        if known is not None and now_ms < known.time_ms + self.period_ms:
            return known
        fresh = load()
        self._pulse = fresh  # one reference assignment: safe for threads without the lock
        return fresh

    def log_size(self, engine: Engine) -> int:
        """The log's size now (part of a document's key), on this process's own probe
        connection: a pool round trip per request cost more than the query itself."""
        probe = self._probe
        if probe is None or probe.engine is not engine:
            probe = self._probe = SizeProbe(engine)
        return probe()

    def document(self, key: Hashable) -> Document | None:
        with self._lock:
            found = self._documents.get(key)
            if found is not None:
                self._documents.move_to_end(key)
            return found

    def remember(self, key: Hashable, document: Document) -> None:
        """Keep ``document`` under ``key``, dropping the least recently used over the bound."""
        size = len(document.body)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._documents.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._documents[key] = document
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._documents.popitem(last=False)
                self._bytes -= len(dropped.body)

    @property
    def stored_bytes(self) -> int:
        return self._bytes


def memo() -> Memo:
    """The current app's memo (created with the app's pulse period on first use)."""
    found: Memo | None = current_app.extensions.get(EXTENSION)
    if found is None:
        found = current_app.extensions.setdefault(
            EXTENSION, Memo(period_ms=current_app.config["PULSE_PERIOD_MS"])
        )
    return found
