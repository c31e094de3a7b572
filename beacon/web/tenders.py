"""Tenders: parties, the bid opening's deadlines, keys, bids and the opening record.

Envelope *headers* are public (their stanzas are sealed to the parties' keys, and
the header MAC reveals nothing without the file key), so a party fetches them to
unwrap its shares in one batch (``beacon envelope release``). The payloads are
never served: opened bids stay in the service's private folder.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import NotFound

from beacon.core import envelope as env
from beacon.core.envelope.format import marshal_prefix
from beacon.core.envelope.shares import load_public_key
from beacon.core.timefmt import format_ms
from beacon.service.tenders import load_tender
from beacon.store.statements import StatementRepository
from beacon.web import caching
from beacon.web.db import read_session
from beacon.web.openapi import json_response, problem_response
from beacon.web.pulses import next_boundary, now_ms
from beacon.web.service import runtime

bp = Blueprint("tenders", __name__, url_prefix="/api/v1")


@bp.get("/tenders/<tender_id>")
def tender(tender_id: str) -> Response:
    session = read_session()
    repo = StatementRepository(session)
    regs = repo.registrations(tender_id)
    if not regs:
        raise NotFound(f"no tender {tender_id!r}")
    record = load_tender(session, tender_id)
    f = record.facts
    frozen = {s.signed.statement.body["envelope_id"] for s in record.frozen_bids()}
    opening = record.of_kind("tender.opening")
    body: dict[str, Any] = {
        "id": tender_id,
        "phase": record.phase.value,
        "bid_deadline": format_ms(f.bid_deadline) if f.bid_deadline else None,
        "release_deadline": format_ms(f.release_deadline) if f.release_deadline else None,
        "parties": [
            {"role": r.role, "fingerprint": r.fingerprint.hex()}
            for r in sorted(regs, key=lambda r: (r.role, r.fingerprint))
        ],
        "opening_keys": [
            {
                "role": s.row.role,
                "public_key": s.signed.statement.body["public_key"].hex(),
                "key_id": env.key_id(load_public_key(s.signed.statement.body["public_key"])).hex(),
            }
            for s in record.of_kind("tender.opening_key")
        ],
        "bids": [
            {
                "envelope_id": s.signed.statement.body["envelope_id"],
                "bidder": s.row.actor.hex(),
                "size": s.signed.statement.body["size"],
                "envelope_hash": s.signed.statement.body["envelope_hash"].hex(),
                "leaf_index": s.leaf_index,
                "frozen": s.signed.statement.body["envelope_id"] in frozen,
            }
            for s in record.bids()
        ],
        "releases": sorted(f.releases),
        "opening": None
        if not opening
        else [e.to_dict() for e in opening[0].signed.statement.body["openings"]],
        "draws": [row.draw_id for row in repo.draws(tender_id=tender_id)],
    }
    return caching.until(jsonify(body), now_ms=now_ms(), due_ms=next_boundary())


@bp.get("/tenders/<tender_id>/headers")
def headers(tender_id: str) -> Response:
    """The header (and MAC) of every frozen bid envelope: what a party unwraps its shares from."""
    session = read_session()
    record = load_tender(session, tender_id)
    blobs = runtime().blobs
    out = []
    for s in record.frozen_bids():
        body = s.signed.statement.body
        with blobs.open(body["envelope_hash"]) as f:
            prefix = env.read_prefix(f)
        header = marshal_prefix(prefix.header, prefix.mac)
        out.append({"envelope_id": body["envelope_id"], "header": header.hex()})
    return caching.until(
        jsonify({"tender_id": tender_id, "envelopes": out}), now_ms=now_ms(), due_ms=next_boundary()
    )


_ID = {"name": "tender_id", "in": "path", "required": True, "schema": {"type": "string"}}
PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/tenders/{tender_id}": {
        "get": {
            "summary": "A tender: parties, bid deadlines, opening keys, bids, releases, the opening record, draws",
            "parameters": [_ID],
            "responses": {
                "200": json_response("The tender"),
                "404": problem_response("No such tender"),
            },
        }
    },
    "/api/v1/tenders/{tender_id}/headers": {
        "get": {
            "summary": "The headers of the frozen bid envelopes (PROTOCOL.md §9.2), for the parties' batch unwrapping",
            "parameters": [_ID],
            "responses": {"200": json_response("Headers, hex of F(header) ‖ F(mac)")},
        }
    },
}
