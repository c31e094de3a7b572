"""Tenders: parties, the bid opening's deadlines, keys, bids and the opening record.

Envelope *headers* are public (their stanzas are sealed to the parties' keys, and
the header MAC reveals nothing without the file key): the tender bundle carries
them, so that anyone can recompute every share from the released opening keys
(``beacon-verify tender``). The payloads are never served: opened bids stay in the
service's private folder.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import NotFound

from beacon.core import envelope as env
from beacon.core.bodies import EnvelopeReplaceBody, EnvelopeSubmitBody
from beacon.core.envelope.format import marshal_prefix
from beacon.service import tender_bundles, tender_view
from beacon.service.bundles import NotYetAvailable
from beacon.service.tenders import TenderRecord, load_tender
from beacon.store.statements import StatementRepository
from beacon.web import caching
from beacon.web.context import base_url, runtime
from beacon.web.db import read_session
from beacon.web.errors import problem
from beacon.web.openapi import json_response, problem_response
from beacon.web.pulses import next_boundary, now_ms

bp = Blueprint("tenders", __name__, url_prefix="/api/v1")
MAX_LIST = 500


def record(tender_id: str) -> TenderRecord:
    """The tender's record; NotFound for a tender nobody registered anyone in."""
    session = read_session()
    if not StatementRepository(session).registrations(tender_id):
        raise NotFound(f"no tender {tender_id!r}")
    return load_tender(session, tender_id)


def detail(tender_id: str) -> tuple[TenderRecord, dict[str, Any]]:
    """The tender and its public view (shared by the API and the board)."""
    rec = record(tender_id)
    repo = StatementRepository(read_session())
    return rec, tender_view.detail(rec, repo, now=now_ms(), base_url=base_url())


def all_records() -> list[TenderRecord]:
    session = read_session()
    return [load_tender(session, t) for t in StatementRepository(session).tenders(limit=MAX_LIST)]


@bp.get("/tenders/<tender_id>")
def tender(tender_id: str) -> Response:
    _, body = detail(tender_id)
    return caching.until(jsonify(body), now_ms=now_ms(), due_ms=next_boundary())


@bp.get("/tenders/<tender_id>/headers")
def headers(tender_id: str) -> Response:
    """The header (and MAC) of every frozen bid envelope, as the parties see the frozen set."""
    session = read_session()
    if not StatementRepository(session).registrations(tender_id):
        raise NotFound(f"no tender {tender_id!r}")
    record = load_tender(session, tender_id)
    blobs = runtime().blobs
    out = []
    for s in record.frozen_bids():
        body = s.signed.statement.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody)
        with blobs.open(body.envelope_hash) as f:
            prefix = env.read_prefix(f)
        header = marshal_prefix(prefix.header, prefix.mac)
        out.append({"envelope_id": body.envelope_id, "header": header.hex()})
    return caching.until(
        jsonify({"tender_id": tender_id, "envelopes": out}), now_ms=now_ms(), due_ms=next_boundary()
    )


@bp.get("/tenders/<tender_id>/proof")
def proof(tender_id: str) -> Response:
    """The tender bundle (PROTOCOL.md §13.4): headers and MACs of the frozen bids, no payload."""
    rt = runtime()
    try:
        bundle = tender_bundles.build(
            read_session(),
            tender_id,
            blobs=rt.blobs,
            anchors=rt.trust.anchor_ders(),
            period_ms=rt.settings.pulser.period_ms,
        )
    except tender_bundles.TenderNotFound as e:
        raise NotFound(str(e)) from e
    except NotYetAvailable as e:
        response = problem(409, "NotYetAvailable", str(e))
        response.headers["Retry-After"] = str(max(1, (next_boundary() - now_ms() + 999) // 1000))
        return response
    response = jsonify(bundle.to_dict())
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{tender_view.proof_filename(tender_id)}"'
    )
    return caching.until(response, now_ms=now_ms(), due_ms=next_boundary())


_ID = {
    "name": "tender_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
}
PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/tenders/{tender_id}": {
        "get": {
            "summary": "A tender: parties, bid deadlines, opening keys, each party's announcements "
            "and release, bids (every envelope, with its state: standing, replaced or withdrawn) "
            "with their outcomes, the opening record, draws, verify command",
            "parameters": [_ID],
            "responses": {
                "200": json_response("The tender"),
                "404": problem_response("No such tender"),
            },
        }
    },
    "/api/v1/tenders/{tender_id}/proof": {
        "get": {
            "summary": "The tender bundle (PROTOCOL.md §13.4; schema docs/tender-bundle.schema.json): "
            "statements with inclusion proofs, the "
            "frozen bids' headers and MACs (never a payload), time points; check it with "
            "'beacon-verify tender'",
            "parameters": [_ID],
            "responses": {
                "200": json_response("The tender bundle"),
                "404": problem_response("No such tender"),
                "409": problem_response("Not yet available: the next pulse will cover it"),
            },
        }
    },
    "/api/v1/tenders/{tender_id}/headers": {
        "get": {
            "summary": "The headers of the frozen bid envelopes (PROTOCOL.md §9.2): the frozen set",
            "parameters": [_ID],
            "responses": {
                "200": json_response("Headers, hex of F(header) ‖ F(mac)"),
                "404": problem_response("No such tender"),
            },
        }
    },
}
