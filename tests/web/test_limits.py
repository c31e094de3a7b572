"""Request size limits and slow clients, against a real waitress server on loopback.

A body over the limit is refused with 413 problem+json whether the client declares
its length or streams it chunked; a client that sends a partial request and stalls
is disconnected after the channel timeout and never stops others being served
(beacon/web/http_server.py). Every socket here is 127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from beacon.service.ledger import Policy
from beacon.store import sqlite_url
from beacon.web import create_app
from beacon.web.errors import PROBLEM
from beacon.web.http_server import create_server
from tests.service.deployment import Deployment, open_deployment

BODY_LIMIT = 4096
ENVELOPE_LIMIT = 10_000
TIMEOUT = 1  # channel_timeout of the test server, seconds


@dataclass
class Served:
    d: Deployment
    port: int

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp: Path = tmp_path_factory.mktemp("limits")
    d = open_deployment(tmp, sqlite_url(tmp / "b.sqlite3"))
    d.runtime.policy = Policy(max_envelope_bytes=ENVELOPE_LIMIT)
    app = create_app({"MAX_CONTENT_LENGTH": BODY_LIMIT}, runtime=d.runtime)
    server = create_server(
        app,
        host="127.0.0.1",
        port=0,
        threads=2,
        max_body_bytes=ENVELOPE_LIMIT,
        channel_timeout=TIMEOUT,
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield Served(d, server.effective_port)
    server.close()
    thread.join(5)
    d.runtime.close()


def _problem(response: http.client.HTTPResponse) -> dict:
    assert response.getheader("Content-Type", "").split(";")[0] == PROBLEM
    return json.loads(response.read())


@pytest.mark.slow
class TestBodyLimits:
    @pytest.mark.parametrize(
        ("path", "size", "chunked", "headers"),
        [
            pytest.param("/api/v1/statements", BODY_LIMIT + 1, False, {}, id="statement-declared"),
            pytest.param("/api/v1/statements", BODY_LIMIT + 1, True, {}, id="statement-chunked"),
            pytest.param(
                "/api/v1/envelopes",
                ENVELOPE_LIMIT + 1,
                False,
                {"Beacon-Statement": base64.b64encode(b"x").decode()},
                id="envelope-declared",
            ),
            pytest.param("/openapi.json", BODY_LIMIT + 1, False, {}, id="any-route"),
        ],
    )
    def test_over_the_limit_is_413_problem(
        self, served: Served, path: str, size: int, chunked: bool, headers: dict[str, str]
    ) -> None:
        conn = served.connection()
        method = "GET" if path == "/openapi.json" else "POST"
        body = b"{" + b" " * (size - 2) + b"}"
        if chunked:
            conn.request(
                method,
                path,
                body=iter([body[:1000], body[1000:]]),
                headers=headers,
                encode_chunked=True,
            )
        else:
            conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        assert response.status == 413
        problem = _problem(response)
        assert problem["status"] == 413 and "Too Large" in problem["title"]

    def test_at_the_limit_reaches_the_parser(self, served: Served) -> None:
        conn = served.connection()
        conn.request("POST", "/api/v1/statements", body=b"[" + b" " * (BODY_LIMIT - 2) + b"]")
        response = conn.getresponse()
        assert response.status == 400  # read in full and refused as input, not as size
        assert "expected a JSON object" in _problem(response)["detail"]


@pytest.mark.slow
class TestSlowClients:
    @pytest.mark.parametrize(
        "partial",
        [
            pytest.param(
                b"GET /beacon/2.0/pulse/last HTTP/1.1\r\nHost: x\r\n", id="headers-unfinished"
            ),
            pytest.param(
                b'POST /api/v1/statements HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"a"',
                id="body-unfinished",
            ),
        ],
    )
    def test_stalled_client_is_dropped_and_others_served(
        self, served: Served, partial: bytes
    ) -> None:
        stalled = [
            socket.create_connection(("127.0.0.1", served.port), timeout=10) for _ in range(4)
        ]
        for s in stalled:  # more stalled clients than the server has threads
            s.sendall(partial)
        started = time.monotonic()
        conn = served.connection()
        conn.request("GET", "/beacon/2.0/pulse/last")
        assert conn.getresponse().status == 200
        assert time.monotonic() - started < TIMEOUT  # served while the others stall
        for s in stalled:
            _read_until_closed(s, deadline=started + TIMEOUT * 6)
            s.close()


def _read_until_closed(s: socket.socket, *, deadline: float) -> None:
    """Read whatever the server says until it closes the connection, before ``deadline``."""
    while True:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if s.recv(4096) == b"":
                return
        except TimeoutError:
            raise AssertionError("the server kept a stalled connection open") from None
