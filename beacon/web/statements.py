"""Writing is signing: parties POST signed statements and envelopes (PROTOCOL.md §6).

A refused statement is a problem+json naming the reason (who is at fault decides
the status) and leaves nothing behind; an accepted one answers 201 with its
receipt (§6.6). Envelopes stream straight to the blob staging area, hashed on the
way, so a 50 MB bid never sits in memory.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import NotFound

from beacon.core.statement import KINDS, MAX_CHAIN, NONCE_BYTES, ROLES, SUITE, SignedStatement
from beacon.errors import EncodingError
from beacon.service.receipts import receipt_for
from beacon.store.statements import StatementRepository
from beacon.web import caching
from beacon.web.context import runtime
from beacon.web.db import read_session
from beacon.web.openapi import json_response, problem_response

bp = Blueprint("statements", __name__, url_prefix="/api/v1")

STATEMENT_HEADER = "Beacon-Statement"
STREAM_CHUNK = 1 << 20


def _signed_from_json(raw: bytes) -> SignedStatement:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise EncodingError(f"the request body is not JSON: {e}") from e
    return SignedStatement.from_dict(doc)


def _accepted(receipt: Any) -> Response:
    response = jsonify(receipt.to_dict())
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/statements/{receipt.statement_hash.hex()}"
    return caching.no_store(response)


@bp.post("/statements")
def submit() -> Response:
    """A signed statement: JSON (§6.3 presentation) or its canonical bytes."""
    raw = request.get_data(cache=False)
    signed = (
        SignedStatement.decode(raw)
        if request.mimetype == "application/octet-stream"
        else _signed_from_json(raw)
    )
    return _accepted(runtime().ledger.submit(signed))


@bp.post("/envelopes")
def submit_envelope() -> Response:
    """An envelope's bytes as the body, its signed ``envelope.submit`` or ``envelope.replace``
    in a header (base64)."""
    header = request.headers.get(STATEMENT_HEADER)
    if not header:
        raise EncodingError(
            f"missing the {STATEMENT_HEADER} header (base64 of the signed envelope.submit or "
            "envelope.replace statement)"
        )
    try:
        signed = SignedStatement.decode(base64.b64decode(header, validate=True))
    except binascii.Error as e:
        raise EncodingError(f"{STATEMENT_HEADER}: not valid base64 ({e})") from e
    rt = runtime()
    limit = rt.policy.max_envelope_bytes
    stream = request.stream
    staged = rt.blobs.stage(iter(lambda: stream.read(STREAM_CHUNK), b""), max_bytes=limit)
    return _accepted(rt.ledger.submit(signed, payload=staged))


def _logged(statement_hash: str):  # type: ignore[no-untyped-def]
    try:
        key = bytes.fromhex(statement_hash)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise EncodingError(
            f"statement hash: expected 64 hex digits, got {statement_hash!r}", field="hash"
        )
    found = StatementRepository(read_session()).get(key)
    if found is None:
        raise NotFound(f"no statement {statement_hash}")
    return found


@bp.get("/statements/<statement_hash>")
def statement(statement_hash: str) -> Response:
    found = _logged(statement_hash)
    body = {"leaf_index": found.leaf_index, "signed_statement": found.signed.to_dict()}
    return caching.immutable(jsonify(body))


@bp.get("/statements/<statement_hash>/receipt")
def receipt(statement_hash: str) -> Response:
    found = _logged(statement_hash)
    rec = receipt_for(read_session(), found.row.statement_hash, found.leaf_index)
    response = jsonify(rec.to_dict())
    # Against its first covering pulse a receipt never changes; before it, ask again later.
    return caching.immutable(response) if rec.pulse is not None else caching.no_store(response)


_STATEMENT_MEMBERS = (
    "suite",
    "kind",
    "tender_id",
    "subject",
    "role",
    "actor",
    "issued_at",
    "nonce",
    "body",
)
# PROTOCOL.md §6.1-§6.3 as JSON (§2.4): the shape the parser accepts; the body's
# members depend on the kind (§6.3) and are checked by the parser, not by this schema.
SIGNED_STATEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A signed statement in its JSON presentation (PROTOCOL.md §6.2)",
    "additionalProperties": False,
    "required": ["statement", "algorithm", "signature", "certificate", "chain"],
    "properties": {
        "statement": {
            "type": "object",
            "additionalProperties": False,
            "required": list(_STATEMENT_MEMBERS),
            "properties": {
                "suite": {"const": SUITE},
                "kind": {"enum": [str(k) for k in KINDS]},
                "tender_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
                "subject": {"type": "string", "pattern": "^([A-Za-z0-9][A-Za-z0-9._:-]{0,63})?$"},
                "role": {"enum": [str(r) for r in ROLES]},
                "actor": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "issued_at": {
                    "type": "string",
                    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$",
                },
                "nonce": {"type": "string", "pattern": f"^[0-9a-f]{{{2 * NONCE_BYTES}}}$"},
                "body": {"type": "object", "description": "The kind's members (PROTOCOL.md §6.3)"},
            },
        },
        "algorithm": {"type": "string"},
        "signature": {"type": "string", "pattern": "^([0-9a-f]{2})*$"},
        "certificate": {"type": "string", "contentEncoding": "base64"},
        "chain": {
            "type": "array",
            "maxItems": MAX_CHAIN,
            "items": {"type": "string", "contentEncoding": "base64"},
        },
    },
}
_HASH = {
    "name": "statement_hash",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}
_REFUSED = {
    "400": problem_response("Malformed or non-canonical input"),
    "403": problem_response("The actor may not do this (role, registration)"),
    "409": problem_response("Not allowed now (phase, deadline, duplicate, replay)"),
    "413": problem_response("Too large"),
    "422": problem_response("Well-formed but does not verify (signature, chain, commitment, hash)"),
    "503": problem_response(
        "The service could not record it; nothing was written. Retry after Retry-After"
    ),
}
PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/statements": {
        "post": {
            "summary": "Submit a signed statement (PROTOCOL.md §6)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": SIGNED_STATEMENT_SCHEMA},
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            "responses": {"201": json_response("The receipt (§6.6)"), **_REFUSED},
        }
    },
    "/api/v1/envelopes": {
        "post": {
            "summary": "Submit an envelope (PROTOCOL.md §9) with its signed envelope.submit "
            "statement, or a replacement bid with its envelope.replace (§9.9 step 3a)",
            "parameters": [
                {
                    "name": STATEMENT_HEADER,
                    "in": "header",
                    "required": True,
                    "description": "Base64 of the canonical signed envelope.submit or "
                    "envelope.replace statement",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9+/]+={0,2}$"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            "responses": {"201": json_response("The receipt (§6.6)"), **_REFUSED},
        }
    },
    "/api/v1/statements/{statement_hash}": {
        "get": {
            "summary": "A logged statement and its leaf index",
            "parameters": [_HASH],
            "responses": {
                "200": json_response("The statement"),
                "400": problem_response("Not 64 hex digits"),
                "404": problem_response("Unknown"),
            },
        }
    },
    "/api/v1/statements/{statement_hash}/receipt": {
        "get": {
            "summary": "A statement's receipt (PROTOCOL.md §6.6)",
            "parameters": [_HASH],
            "responses": {
                "200": json_response("The receipt"),
                "400": problem_response("Not 64 hex digits"),
                "404": problem_response("Unknown"),
            },
        }
    },
}
