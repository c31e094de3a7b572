"""The parties of a benchmark deployment, acting over HTTP on the real clock.

Each party is a :class:`beacon.party.Actor` with a key from the deployment's demo CA;
statements go through :class:`beacon.client.BeaconClient` to a real server process,
exactly as the ``beacon draw``/``beacon envelope`` commands send them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from beacon.client import BeaconClient
from beacon.core.statement import SignedStatement
from beacon.identity.keys import load_signer
from beacon.party import Actor


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Parties:
    """Actors of one tender, from the CA folder ``ca_dir``, talking to ``url``."""

    def __init__(self, ca_dir: Path, tender_id: str, url: str) -> None:
        self.ca_dir = ca_dir
        self.tender_id = tender_id
        self.client = BeaconClient(url, timeout=300)

    def actor(self, name: str, role: str) -> Actor:
        signer = load_signer(self.ca_dir / f"{name}.pem", self.ca_dir / f"{name}.key")
        return Actor(
            signer, role=role, tender_id=self.tender_id, now=now_ms, random_bytes=os.urandom
        )

    def submit(self, signed: SignedStatement) -> dict[str, Any]:
        return self.client.submit(signed)

    def get(self, path: str) -> Any:
        return self.client.get(path)


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, every: float = 0.25) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def sleep_until_ms(target_ms: int) -> None:
    while (left := target_ms - now_ms()) > 0:
        time.sleep(min(left / 1000, 1.0))
