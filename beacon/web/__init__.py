"""The web board: ``create_app(config)`` builds a Flask app with one blueprint per area.

``config`` keys: ``DATABASE_URL`` (required), ``PULSE_PERIOD_MS`` (default 60000),
``MAX_CONTENT_LENGTH`` (default 1 MiB), ``BEACON_CLOCK`` (a
:class:`~beacon.service.clock.Clock`, default the system clock), ``DISPLAY_ZONE``
(a :class:`~beacon.core.display_zone.DisplayZone`, default Beijing time),
``TRUSTED_PROXIES`` (how many reverse proxies' X-Forwarded-* headers to trust,
default 0: none) and any Flask setting. A later blueprint joins with :func:`beacon.web.openapi.register`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from beacon.core import defaults
from beacon.core.display_zone import BEIJING
from beacon.service.clock import SystemClock
from beacon.service.runtime import Runtime
from beacon.store import Database
from beacon.web import (
    anchors,
    context,
    db,
    draws,
    errors,
    log,
    metrics,
    openapi,
    pages,
    pulses,
    statements,
    tenders,
    verifypage,
)

DEFAULTS: dict[str, Any] = {
    "PULSE_PERIOD_MS": defaults.PULSE_PERIOD_MS,
    "MAX_CONTENT_LENGTH": 1 << 20,
    "JSON_SORT_KEYS": False,
    "DISPLAY_ZONE": BEIJING,
    "TRUSTED_PROXIES": 0,
}


def create_app(
    config: Mapping[str, Any], *, database: Database | None = None, runtime: Runtime | None = None
) -> Flask:
    """A fresh app for ``config``; pass ``database`` to share an open :class:`Database`.

    With a ``runtime`` (a whole deployment: ledger, blobs, keys), the app also serves
    the draw service: statements, envelopes, draws and proofs.
    """
    app = Flask(__name__, static_folder=None)
    app.config.update(DEFAULTS)
    app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if runtime is not None:
        app.config.setdefault("DATABASE_URL", runtime.settings.database_url)
    if "DATABASE_URL" not in app.config:
        raise ValueError("create_app needs DATABASE_URL")
    if runtime is not None:
        app.extensions[context.EXTENSION] = runtime
        database = runtime.database
        app.config.setdefault("BEACON_CLOCK", runtime.clock)
        app.config["PULSE_PERIOD_MS"] = runtime.settings.pulser.period_ms
    app.extensions["beacon.clock"] = app.config.get("BEACON_CLOCK") or SystemClock()
    db.init_app(app, database or Database(app.config["DATABASE_URL"]))
    errors.init_app(app)
    openapi.init_app(app)
    openapi.register(app, pulses.bp, pulses.PATHS)
    openapi.register(app, log.bp, log.PATHS)
    openapi.register(app, metrics.bp, metrics.PATHS)
    metrics.init_app(app)
    if runtime is not None:
        openapi.register(app, draws.bp, draws.PATHS)
        openapi.register(app, statements.bp, statements.PATHS)
        openapi.register(app, tenders.bp, tenders.PATHS)
        openapi.register(app, anchors.bp, anchors.PATHS)
        openapi.register(app, pages.bp, pages.PATHS)
        openapi.register(app, verifypage.bp, verifypage.PATHS)

    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind nginx (deploy/nginx.conf): the client's address, scheme and host come from
        # the last ``proxies`` X-Forwarded-* entries, which only those proxies can have set.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.before_request
    def limit_body() -> None:
        # Reject oversized bodies on every route, before any view reads them.
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.endpoint == "statements.submit_envelope" and runtime is not None:
            limit = (
                runtime.policy.max_envelope_bytes
            )  # envelopes stream to disk, checked again there
            request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            raise RequestEntityTooLarge(f"request body over {limit} bytes")

    return app
