"""Parties' statements over HTTP to a web process that may be killed at any moment.

A request that fails because the web process died (connection refused or reset,
an answer cut short) or because the service said 503 is sent again: the *same*
signed bytes, never a re-signed statement. If the first attempt had landed, the
service must answer the retry as a replay (409 "replayed statement"), and the
courier then fetches the statement's receipt; anything else is a failure. Every
receipt the parties hold is kept, to be checked against the log at the end.

The courier retries every 0.25 s instead of waiting the full Retry-After, to keep
the suite short; the service's Retry-After itself is checked by the outage test.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from beacon.client import STATEMENT_HEADER, BeaconClient, ServiceError
from beacon.core.statement import SignedStatement

RETRY_SECONDS = 0.25
REPLAY = "replayed statement"


class Unreachable(Exception):
    """No usable answer (the web process is down or died mid-answer)."""


@dataclass(frozen=True)
class Delivery:
    """A statement the service acknowledged, with the receipt the party holds."""

    signed: SignedStatement
    statement_hash: bytes
    leaf_index: int
    receipt: dict[str, Any]
    attempts: int
    replayed: bool  # an earlier attempt had landed; the retry was answered as a replay


def retryable(error: ServiceError) -> bool:
    """The web process was unreachable or said "not now" (503)."""
    return error.status is None or error.status == 503


def fetch(url: str, *, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One GET: status, headers and the whole body; :class:`Unreachable` if cut off."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except (OSError, urllib.error.URLError) as e:
        raise Unreachable(str(e)) from e
    except Exception as e:  # http.client.IncompleteRead and friends: the process died mid-answer
        raise Unreachable(repr(e)) from e


class Courier:
    """Delivers signed statements and reads JSON, retrying while the web process is down."""

    def __init__(
        self, base_url: str, *, patience_s: float = 120.0, health: Callable[[], None] | None = None
    ) -> None:
        self.base_url = base_url
        # Called between attempts: raises if the scenario is already lost (a process crashed).
        self.health = health or (lambda: None)
        self.client = BeaconClient(base_url, timeout=30.0)
        self.patience_s = patience_s
        self.deliveries: list[Delivery] = []
        self.failed_attempts = 0
        self.answers_lost = 0  # first attempts whose answer was dropped on purpose
        self.failed_reads = 0  # GETs that found the web process down or answering 503
        self._lock = threading.Lock()

    # -- writes ------------------------------------------------------------------------

    def submit(self, signed: SignedStatement) -> Delivery:
        return self._deliver(signed, lambda: self.client.submit(signed))

    def submit_envelope(self, signed: SignedStatement, data: bytes) -> Delivery:
        return self._deliver(
            signed, lambda: self.client.submit_envelope(signed, io.BytesIO(data), len(data))
        )

    def submit_losing_answer(self, signed: SignedStatement, data: bytes | None = None) -> Delivery:
        """Send once and hang up before the answer, as if the web died after its commit; then
        deliver as usual. If the first request landed, the retry must be answered as a replay."""
        url = urllib.parse.urlsplit(self.base_url)
        if data is None:
            path, body = "/api/v1/statements", json.dumps(signed.to_dict()).encode()
            headers = {"Content-Type": "application/json"}
        else:
            path, body = "/api/v1/envelopes", data
            headers = {
                "Content-Type": "application/octet-stream",
                STATEMENT_HEADER: base64.b64encode(signed.encode()).decode(),
            }
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
        try:
            connection.request("POST", path, body=body, headers=headers)
        except OSError:
            pass  # the web is down: nothing landed, the delivery below retries
        finally:
            connection.close()
        statement = f"/api/v1/statements/{signed.statement.hash().hex()}"
        deadline = time.monotonic() + 10
        while not (landed := self.get_raw(statement)[0] == 200) and time.monotonic() < deadline:
            time.sleep(RETRY_SECONDS)
        with self._lock:
            self.answers_lost += 1
        send: Callable[[], dict[str, Any]] = (
            (lambda: self.client.submit(signed))
            if data is None
            else (lambda: self.client.submit_envelope(signed, io.BytesIO(data), len(data)))
        )
        delivery = self._deliver(signed, send, sent_before=1)
        assert delivery.replayed or not landed, (
            f"{signed.statement.kind}: accepted twice (the first request had landed)"
        )
        return delivery

    def _deliver(
        self, signed: SignedStatement, send: Callable[[], dict[str, Any]], *, sent_before: int = 0
    ) -> Delivery:
        statement_hash = signed.statement.hash()
        deadline = time.monotonic() + self.patience_s
        attempts = sent_before
        while True:
            attempts += 1
            try:
                receipt, replayed = send(), False
                break
            except ServiceError as e:
                if e.status == 409 and REPLAY in str(e):
                    # Only a retry may meet a replay: this statement was sent once before.
                    assert attempts > 1, f"first attempt answered as a replay: {e}"
                    receipt, replayed = (
                        self.get(f"/api/v1/statements/{statement_hash.hex()}/receipt"),
                        True,
                    )
                    break
                if not retryable(e) or time.monotonic() > deadline:
                    raise AssertionError(
                        f"{signed.statement.kind} by {signed.statement.role} refused on attempt "
                        f"{attempts}: {e}"
                    ) from e
            with self._lock:
                self.failed_attempts += 1
            self.health()
            time.sleep(RETRY_SECONDS)
        assert receipt["statement_hash"] == statement_hash.hex(), receipt
        delivery = Delivery(
            signed, statement_hash, int(receipt["leaf_index"]), receipt, attempts, replayed
        )
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    # -- reads -------------------------------------------------------------------------

    def get_raw(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """GET ``path``, retrying while unreachable or 503; the first other answer."""
        deadline = time.monotonic() + self.patience_s
        while True:
            try:
                status, headers, body = fetch(self.base_url + path)
                if status != 503:
                    return status, headers, body
            except Unreachable:
                pass
            with self._lock:
                self.failed_reads += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"GET {path}: no answer in {self.patience_s} s")
            self.health()
            time.sleep(RETRY_SECONDS)

    def get(self, path: str) -> Any:
        """GET ``path`` as JSON; it must answer 200."""
        status, _, body = self.get_raw(path)
        assert status == 200, f"GET {path}: HTTP {status}: {body[:500]!r}"
        return json.loads(body)

    def wait_for(self, path: str, done: Callable[[Any], bool], *, timeout: float, what: str) -> Any:
        """Poll ``path`` until ``done(document)``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            document = self.get(path)
            if done(document):
                return document
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not reached in {timeout} s; last: {document}")
            self.health()
            time.sleep(RETRY_SECONDS)

    def replays(self) -> int:
        return sum(d.replayed for d in self.deliveries)
