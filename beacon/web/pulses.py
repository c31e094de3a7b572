"""NIST Beacon 2.0 paths (PROTOCOL.md §8): pulses and signing certificates.

A stored pulse is served as the exact text stored, so it never changes once
served, and with ``immutable`` caching. A pulse looked up by time is immutable as
well, because pulses are never backfilled: once a pulse exists, no pulse can
appear before it. Anything about the present expires with the next boundary; a
future time is a 404 cacheable until it is due.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, current_app, g
from werkzeug.exceptions import NotFound

from beacon.core import chain
from beacon.store import PulseRepository, StoredPulse
from beacon.web import caching
from beacon.web.db import read_session
from beacon.web.errors import problem
from beacon.web.memo import memo
from beacon.web.openapi import integer_parameter, json_response, problem_response

bp = Blueprint("pulses", __name__, url_prefix="/beacon/2.0")


def now_ms() -> int:
    """One ``now`` per request (docs/ARCHITECTURE.md §8)."""
    if "now_ms" not in g:
        g.now_ms = current_app.extensions["beacon.clock"].now_ms()
    value: int = g.now_ms
    return value


def next_boundary() -> int:
    period: int = current_app.config["PULSE_PERIOD_MS"]
    return chain.next_boundary(now_ms(), period)


def _repo() -> PulseRepository:
    return PulseRepository(read_session())


def _pulse(stored: StoredPulse, *, fixed: bool) -> Response:
    response = Response(stored.document, mimetype="application/json")
    if fixed:
        return caching.immutable(response)
    return caching.until(response, now_ms=now_ms(), due_ms=next_boundary())


def _missing(what: str, *, due_ms: int | None = None) -> Response:
    """404 that a cache may keep until the pulse could exist."""
    response = problem(404, "Not Found", f"no pulse {what}")
    return caching.until(response, now_ms=now_ms(), due_ms=due_ms or next_boundary())


@bp.get("/pulse/last")
def last() -> Response:
    # beacon.web.memo: the newest pulse cannot change before its period ends (§8.5).
    stored = memo().last_pulse(now_ms(), lambda: _repo().last())
    return _missing("yet") if stored is None else _pulse(stored, fixed=False)


@bp.get("/pulse/time/<int:timestamp>")
def at_time(timestamp: int) -> Response:
    """The pulse at ``timestamp`` (ms), or else the next one after it."""
    if timestamp > now_ms():
        return _missing(f"at {timestamp}: that time is in the future", due_ms=timestamp)
    stored = _repo().at_or_after(timestamp)
    return (
        _missing(f"at or after {timestamp} yet") if stored is None else _pulse(stored, fixed=True)
    )


@bp.get("/pulse/time/next/<int:timestamp>")
def next_after(timestamp: int) -> Response:
    stored = _repo().after(timestamp)
    if stored is None:
        due = max(timestamp + 1, now_ms())
        return _missing(f"after {timestamp} yet", due_ms=max(due, next_boundary()))
    return _pulse(stored, fixed=True)


@bp.get("/pulse/time/previous/<int:timestamp>")
def previous_before(timestamp: int) -> Response:
    repo = _repo()
    stored = repo.before(timestamp)
    if stored is None:
        return _missing(f"before {timestamp}")
    # Fixed only if a pulse at or after the time exists: nothing can be inserted before it.
    return _pulse(stored, fixed=repo.at_or_after(timestamp) is not None)


@bp.get("/chain/<int:chain_index>/pulse/<int:pulse_index>")
def by_index(chain_index: int, pulse_index: int) -> Response:
    stored = _repo().get(chain_index, pulse_index)
    return (
        _missing(f"{chain_index}/{pulse_index}") if stored is None else _pulse(stored, fixed=True)
    )


@bp.get("/chain/<int:chain_index>/pulse/last")
def chain_last(chain_index: int) -> Response:
    stored = _repo().last(chain_index)
    return _missing(f"in chain {chain_index}") if stored is None else _pulse(stored, fixed=False)


@bp.get("/chain/last/pulse/<int:pulse_index>")
def last_chain(pulse_index: int) -> Response:
    repo = _repo()
    chain_index = repo.last_chain_index()
    stored = None if chain_index is None else repo.get(chain_index, pulse_index)
    # Not immutable: the last chain changes when a new chain starts.
    return (
        _missing(f"{pulse_index} in the last chain")
        if stored is None
        else _pulse(stored, fixed=False)
    )


@bp.get("/certificate/<certificate_id>")
def certificate(certificate_id: str) -> Response:
    """The signing certificate (PEM) whose SHA-512 is ``certificate_id`` (hex, either case)."""
    try:
        cid = bytes.fromhex(certificate_id)
    except ValueError as e:
        raise NotFound(f"{certificate_id!r} is not a hex certificateId") from e
    der = _repo().certificate(cid)
    if der is None:
        raise NotFound(f"no certificate {certificate_id}")
    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    return caching.immutable(Response(pem, mimetype="application/x-pem-file"))


_PULSE = json_response('A pulse as {"pulse": {...}} (PROTOCOL.md §8.3)')
_NOT_FOUND = problem_response("No such pulse (yet); Cache-Control says until when")


def _get(summary: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": list(parameters),
            "responses": {"200": _PULSE, "404": _NOT_FOUND},
        }
    }


_TIME = integer_parameter("timestamp", description="milliseconds since 1970-01-01T00:00:00Z")
PATHS: dict[str, dict[str, Any]] = {
    "/beacon/2.0/pulse/last": _get("The newest pulse"),
    "/beacon/2.0/pulse/time/{timestamp}": _get("The pulse at a time, or the next one", _TIME),
    "/beacon/2.0/pulse/time/next/{timestamp}": _get("The first pulse after a time", _TIME),
    "/beacon/2.0/pulse/time/previous/{timestamp}": _get("The last pulse before a time", _TIME),
    "/beacon/2.0/chain/{chain_index}/pulse/{pulse_index}": _get(
        "A pulse by chain and index",
        integer_parameter("chain_index"),
        integer_parameter("pulse_index"),
    ),
    "/beacon/2.0/chain/{chain_index}/pulse/last": _get(
        "The newest pulse of a chain", integer_parameter("chain_index")
    ),
    "/beacon/2.0/chain/last/pulse/{pulse_index}": _get(
        "A pulse of the newest chain", integer_parameter("pulse_index")
    ),
    "/beacon/2.0/certificate/{certificate_id}": {
        "get": {
            "summary": "A signing certificate by certificateId (SHA-512 of its DER, hex)",
            "parameters": [
                {
                    "name": "certificate_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^([0-9a-f]{128}|[0-9A-F]{128})$"},
                }
            ],
            "responses": {
                "200": {
                    "description": "PEM certificate",
                    "content": {"application/x-pem-file": {}},
                },
                "404": problem_response("Unknown certificate"),
            },
        }
    },
}
