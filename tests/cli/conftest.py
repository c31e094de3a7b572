"""A beacon on a real socket whose clock starts at the current minute.

The party commands sign with the real clock and the service refuses statements more
than 300 s from its own (PROTOCOL.md §6.5), so these tests start the fake clock at
the real time and keep every step within a few periods of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from beacon.store import sqlite_url
from beacon.web import create_app
from tests.service.deployment import PERIOD, Deployment, open_deployment


@dataclass
class Live:
    d: Deployment
    url: str
    start: int  # the period boundary the fake clock started at

    def party(self, name: str, state: Path) -> list[str]:
        """The options by which party ``name`` of the demo CA acts."""
        ca = self.d.ca_dir
        return [
            "--server",
            self.url,
            "--cert",
            str(ca / f"{name}.pem"),
            "--key",
            str(ca / f"{name}.key"),
            "--state-dir",
            str(state / name),
        ]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    now = time.time_ns() // 1_000_000
    start = now - now % PERIOD
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"), bidders=1, start=start)
    server = make_server(
        "127.0.0.1", 0, create_app({"TESTING": True}, runtime=d.runtime), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(d, f"http://127.0.0.1:{server.server_port}", start)
    finally:
        server.shutdown()
        d.runtime.close()
