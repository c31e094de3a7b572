"""The HTTP server in front of the app (waitress), with its limits for hostile clients.

waitress reads a whole request (headers and body, spilling to a temporary file past
512 KiB) before it hands it to a worker thread, so a client that sends slowly holds
a connection, never a thread; ``channel_timeout`` closes connections idle that long,
and ``connection_limit`` bounds how many may be open at once. The app itself refuses
an oversized body with 413 problem+json (beacon/web/__init__.py); waitress's own cap
sits one MiB above the largest body the app accepts, so only a grossly oversized
request meets waitress's plain-text 413 instead.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from waitress import server as waitress_server

CHANNEL_TIMEOUT_SECONDS = 30
CONNECTION_LIMIT = 200
HEADER_LIMIT = 256 << 10  # the Beacon-Statement header carries a certificate chain (base64)


def create_server(
    app: Flask,
    *,
    host: str,
    port: int,
    threads: int,
    max_body_bytes: int,
    channel_timeout: int = CHANNEL_TIMEOUT_SECONDS,
) -> Any:
    """A waitress server for ``app``; call ``.run()`` (blocks) and ``.close()``."""
    return waitress_server.create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=channel_timeout,
        # waitress checks idle channels every cleanup_interval seconds.
        cleanup_interval=max(1, min(channel_timeout, 30)),
        connection_limit=CONNECTION_LIMIT,
        max_request_header_size=HEADER_LIMIT,
        max_request_body_size=max_body_bytes + (1 << 20),
        ident="tender-beacon",
    )
