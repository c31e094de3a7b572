"""One error handler: every failure leaves as ``application/problem+json`` (RFC 9457).

The status follows who is at fault (beacon.errors): bad bytes 400, well-formed but
unverifiable input 422, a forbidden actor 403, a conflicting state 409, our own
failure 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from sqlalchemy import exc
from werkzeug.exceptions import HTTPException

from beacon.errors import (
    BeaconError,
    EncodingError,
    InfrastructureError,
    InputError,
    RoleError,
    StateError,
)

PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5
log = logging.getLogger("beacon.web")


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype=PROBLEM)


def status_of(error: BeaconError) -> int:
    if isinstance(error, EncodingError):
        return 400
    if isinstance(error, InputError):
        return 422
    if isinstance(error, RoleError):
        return 403
    if isinstance(error, StateError):
        return 409
    return 503


def init_app(app: Flask) -> None:
    @app.errorhandler(BeaconError)
    def beacon_error(error: BeaconError) -> Response:
        status = status_of(error)
        extra: dict[str, object] = {}
        if isinstance(error, InputError) and error.field:
            extra["field"] = error.field
        response = problem(status, type(error).__name__, str(error), **extra)
        if isinstance(error, InfrastructureError):
            log.error("service unavailable: %s", error)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(exc.OperationalError)
    @app.errorhandler(exc.InterfaceError)
    def database_down(error: exc.DBAPIError) -> Response:
        return beacon_error(InfrastructureError(f"database unavailable: {error.orig}"))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return problem(status, error.name, error.description or error.name)
