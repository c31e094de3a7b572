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
from beacon.core.envelope.format import marshal_prefix
from beacon.core.envelope.shares import load_public_key
from beacon.core.tender import Bid
from beacon.core.timefmt import format_ms
from beacon.service import tender_bundles
from beacon.service.bundles import NotYetAvailable
from beacon.service.tenders import load_tender
from beacon.store.statements import StatementRepository
from beacon.web import caching
from beacon.web.db import read_session
from beacon.web.errors import problem
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
        # The whole history (PROTOCOL.md §9.9 step 3a): every bid envelope, with whether it
        # stands, was replaced (and by which) or was withdrawn; only standing ones are frozen.
        "bids": [
            {
                "envelope_id": s.signed.statement.body["envelope_id"],
                "bidder": s.row.actor.hex(),
                "size": s.signed.statement.body["size"],
                "envelope_hash": s.signed.statement.body["envelope_hash"].hex(),
                "leaf_index": s.leaf_index,
                "frozen": s.signed.statement.body["envelope_id"] in frozen,
                **_bid_state(f.bids.get(s.signed.statement.body["envelope_id"])),
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


def _bid_state(bid: Bid | None) -> dict[str, Any]:
    if bid is None:  # a replacement that breaks §9.9 step 3a: never accepted, never counted
        return {"state": None, "replaces": None, "replaced_by": None, "ended_leaf_index": None}
    return {
        "state": bid.state.value,
        "replaces": bid.replaces or None,
        "replaced_by": bid.replaced_by or None,
        # The leaf of the envelope.replace or envelope.withdraw that ended it.
        "ended_leaf_index": bid.ended_at,
    }


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
        body = s.signed.statement.body
        with blobs.open(body["envelope_hash"]) as f:
            prefix = env.read_prefix(f)
        header = marshal_prefix(prefix.header, prefix.mac)
        out.append({"envelope_id": body["envelope_id"], "header": header.hex()})
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
        f'attachment; filename="tender-{tender_id.replace(":", "_")}.proof.json"'
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
            "summary": "A tender: parties, bid deadlines, opening keys, bids (every envelope, with "
            "its state: standing, replaced or withdrawn), releases, the opening record, draws",
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
