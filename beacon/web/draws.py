"""Draws: the list, one draw, its proof bundle (PROTOCOL.md §13).

Read-only: there is no endpoint that sets a value, a time or re-rolls a draw; the
only way to change a draw is a signed statement (``POST /api/v1/statements``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import NotFound

from beacon.core.lifecycle import FINAL
from beacon.service import bundles, describe
from beacon.service.draws import DrawNotFound, DrawRecord, load
from beacon.store import PulseRepository
from beacon.store.statements import StatementRepository
from beacon.web import caching
from beacon.web.context import base_url, display_zone, runtime
from beacon.web.db import database, read_session
from beacon.web.errors import problem
from beacon.web.memo import Document, memo
from beacon.web.openapi import json_response, problem_response
from beacon.web.pulses import next_boundary, now_ms

bp = Blueprint("draws", __name__, url_prefix="/api/v1")
MAX_LIST = 500


def pulse_ms() -> int:
    last = PulseRepository(read_session()).last()
    return 0 if last is None else last.time_ms


def record(draw_id: str) -> DrawRecord:
    try:
        return load(StatementRepository(read_session()), draw_id, pulse_ms=pulse_ms())
    except DrawNotFound as e:
        raise NotFound(str(e)) from e


def all_records(tender_id: str | None = None) -> list[DrawRecord]:
    repo = StatementRepository(read_session())
    at = pulse_ms()
    return [
        load(repo, row.draw_id, pulse_ms=at)
        for row in repo.draws(tender_id=tender_id, limit=MAX_LIST)
    ]


@bp.get("/draws")
def draws() -> Response:
    now = now_ms()
    body = {"draws": [describe.summary_row(r, now) for r in all_records()]}
    return caching.until(jsonify(body), now_ms=now, due_ms=next_boundary())


def detail(draw_id: str) -> tuple[DrawRecord, dict[str, Any]]:
    """The draw and its public view (shared by the API and the board)."""
    rec = record(draw_id)
    repo = StatementRepository(read_session())
    body = describe.detail(rec, repo, now=now_ms(), job=repo.job(draw_id), base_url=base_url())
    return rec, body


@bp.get("/draws/<draw_id>")
def draw(draw_id: str) -> Response:
    rec, body = detail(draw_id)
    if rec.phase in FINAL:
        return caching.until(jsonify(body), now_ms=now_ms(), due_ms=next_boundary())
    return caching.no_store(jsonify(body))


@bp.get("/deployment")
def deployment() -> Response:
    """The deployment's published acceptance parameters (PROTOCOL.md §6.5, §11.5): every
    definition must carry ``vdf_rate`` and ``vdf_advantage`` exactly as published here.
    ``display_zone`` is how the board shows times, for clients to show them alike."""
    policy = runtime().policy
    body = {
        "vdf_rate": policy.vdf_rate,
        "vdf_advantage": policy.vdf_advantage,
        "min_vdf_t": policy.min_vdf_t,
        "min_lead_ms": policy.min_lead_ms,
        "skew_ms": policy.skew_ms,
        "pulse_period_ms": runtime().settings.pulser.period_ms,
        "display_zone": display_zone().to_dict(),
    }
    return caching.until(jsonify(body), now_ms=now_ms(), due_ms=next_boundary())


@bp.get("/draws/<draw_id>/proof")
def proof(draw_id: str) -> Response:
    # beacon.web.memo: the bundle is a function of the newest pulse and the log's size.
    memos, now = memo(), now_ms()
    newest = memos.last_pulse(now, lambda: PulseRepository(read_session()).last())
    key = (
        "proof",
        draw_id,
        None if newest is None else (newest.chain_index, newest.pulse_index),
        memos.log_size(database().engine),
    )
    document = memos.document(key)
    if document is None:
        rec = record(draw_id)
        rt = runtime()
        try:
            bundle = bundles.build(
                read_session(),
                draw_id,
                blobs=rt.blobs,
                anchors=rt.trust.anchor_ders(),
                period_ms=rt.settings.pulser.period_ms,
            )
        except bundles.NotYetAvailable as e:
            response = problem(409, "NotYetAvailable", str(e))
            response.headers["Retry-After"] = str(
                max(1, (next_boundary() - now_ms() + 999) // 1000)
            )
            return response
        document = Document(jsonify(bundle.to_dict()).get_data(), final=rec.phase in FINAL)
        memos.remember(key, document)
    response = Response(document.body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{describe.proof_filename(draw_id)}"'
    )
    if document.final:
        # Nothing can be added to a confirmed, resolved or voided draw.
        return caching.immutable(response)
    return caching.until(response, now_ms=now, due_ms=next_boundary())


_ID = {
    "name": "draw_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
}
PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/deployment": {
        "get": {
            "summary": "The deployment's published parameters (PROTOCOL.md §6.5, §11.5)",
            "description": "VDF rate s and A_max, minimum T, lead time, skew tolerance, pulse "
            "period, and the display time zone (offset and names) the board shows times in",
            "responses": {"200": json_response("The parameters")},
        }
    },
    "/api/v1/draws": {
        "get": {
            "summary": "Every draw with its phase and deadlines",
            "responses": {"200": json_response("The draws")},
        }
    },
    "/api/v1/draws/{draw_id}": {
        "get": {
            "summary": "One draw: definition, parties, seeds, VDF progress, result, statements",
            "parameters": [_ID],
            "responses": {
                "200": json_response("The draw"),
                "404": problem_response("No such draw"),
            },
        }
    },
    "/api/v1/draws/{draw_id}/proof": {
        "get": {
            "summary": "The draw's proof bundle (PROTOCOL.md §13; schema docs/proof-bundle.schema.json)",
            "parameters": [_ID],
            "responses": {
                "200": json_response("The proof bundle"),
                "404": problem_response("No such draw"),
                "409": problem_response("Not yet covered by a pulse; see Retry-After"),
            },
        }
    },
}
