"""What the public saw during the run: every pulse document and every tree head served.

A reader polls ``/beacon/2.0/pulse/last`` and ``/api/v1/log/tree-head`` while the
processes are being killed, keeping the exact bytes of each pulse document and
each (tree size, root) pair. Afterwards every pulse must still be served byte for
byte, and every tree head must be a prefix of the final log (PROTOCOL.md §7.4,
§8.5): nothing the service showed may change.
"""

from __future__ import annotations

import json
import threading

from tests.faults.courier import Unreachable, fetch

POLL_SECONDS = 0.25


class Observer:
    """Polls the served pulse and tree head in a thread, keeping the first sight of each."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.pulses: dict[tuple[int, int], bytes] = {}
        self.heads: dict[int, bytes] = {}
        self.changed: list[str] = []  # something served differently from what was seen before
        self.server_errors: list[str] = []  # any 5xx but 503 (which says "retry later")
        self.polls = 0
        self.unanswered = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="observer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def halt(self) -> None:
        """Stop the thread without reporting its error (cleanup after a failure)."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(30)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        if self.error is not None:
            raise AssertionError(f"the observer failed: {self.error!r}") from self.error

    def _run(self) -> None:
        try:
            while not self._stop.wait(POLL_SECONDS):
                self.poll()
        except BaseException as e:
            self.error = e

    def poll(self) -> None:
        self.polls += 1
        try:
            body = self._get("/beacon/2.0/pulse/last")
            if body is not None:
                self._saw_pulse(body)
            body = self._get("/api/v1/log/tree-head")
            if body is not None:
                self._saw_head(json.loads(body))
        except Unreachable:
            self.unanswered += 1

    def _get(self, path: str) -> bytes | None:
        status, _, body = fetch(self.base_url + path, timeout=5)
        if status >= 500 and status != 503:
            self.server_errors.append(f"GET {path}: HTTP {status}: {body[:300]!r}")
        return body if status == 200 else None

    def _saw_pulse(self, document: bytes) -> None:
        pulse = json.loads(document)["pulse"]
        key = (int(pulse["chainIndex"]), int(pulse["pulseIndex"]))
        first = self.pulses.setdefault(key, document)
        if first != document:
            self.changed.append(f"pulse {key[0]}/{key[1]} served with different bytes")

    def _saw_head(self, head: dict[str, object]) -> None:
        size, root = int(str(head["tree_size"])), bytes.fromhex(str(head["root_hash"]))
        first = self.heads.setdefault(size, root)
        if first != root:
            self.changed.append(f"tree size {size} served with two roots")
