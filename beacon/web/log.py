"""The transparency log API (PROTOCOL.md §7) and chain export.

Byte values are lower-case hex (PROTOCOL.md §2.4). Answers about a fixed tree
size are immutable; answers about "now" are not stored by caches.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import NotFound

from beacon.core import merkle
from beacon.errors import EncodingError
from beacon.store import LogRepository, PulseRepository
from beacon.store.pulses import MAX_RANGE
from beacon.web import caching
from beacon.web.db import MAX_STORED_INT, read_session
from beacon.web.openapi import integer_parameter, json_response, problem_response
from beacon.web.pulses import next_boundary, now_ms

bp = Blueprint("log", __name__, url_prefix="/api/v1")


def _query_int(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_STORED_INT:
        raise EncodingError(
            f"query parameter {name}: expected a non-negative integer below 2^63, got {raw[:40]!r}",
            field=name,
        )
    return int(raw)


def _log() -> LogRepository:
    return LogRepository(read_session())


def _size_or_404(log: LogRepository, size: int) -> None:
    current = log.size()
    if size > current:
        raise NotFound(f"the log has {current} entries, not {size}")


@bp.get("/log/tree-head")
def current_tree_head() -> Response:
    return caching.no_store(jsonify(_log().tree_head().to_dict()))


@bp.get("/log/tree-heads/<int:tree_size>")
def tree_head(tree_size: int) -> Response:
    log = _log()
    _size_or_404(log, tree_size)
    return caching.immutable(jsonify(log.tree_head(tree_size).to_dict()))


def _leaf(index: int, entry: bytes) -> dict[str, Any]:
    return {"leaf_index": index, "entry": entry.hex(), "leaf_hash": merkle.leaf_hash(entry).hex()}


@bp.get("/log/leaves/<int:leaf_index>")
def leaf(leaf_index: int) -> Response:
    entry = _log().entry(leaf_index)
    if entry is None:
        raise NotFound(f"no log leaf {leaf_index}")
    return caching.immutable(jsonify(_leaf(leaf_index, entry)))


@bp.get("/log/leaves")
def leaves() -> Response:
    start = _query_int("start", 0) or 0
    # Capped so that start + MAX_RANGE never exceeds what a BIGINT parameter can bind.
    last = min(start + MAX_RANGE, MAX_STORED_INT)
    end = min(_query_int("end", last) or 0, last)
    log = _log()
    rows = log.entries(start, end)
    response = jsonify({"leaves": [_leaf(i, e) for i, e in rows]})
    return caching.immutable(response) if end <= log.size() else caching.no_store(response)


@bp.get("/log/inclusion-proof/<int:leaf_index>")
def inclusion_proof(leaf_index: int) -> Response:
    log = _log()
    size = _query_int("tree_size")
    if size is not None:
        _size_or_404(log, size)
    head = log.tree_head(size)
    if leaf_index >= head.tree_size:
        raise NotFound(f"leaf {leaf_index} is not in the tree of size {head.tree_size}")
    entry = log.entry(leaf_index)
    if entry is None:  # below the tree size, so stored; a gap is a damaged log
        raise NotFound(f"leaf {leaf_index} is missing from the log")
    body = {
        "leaf_index": leaf_index,
        "leaf_hash": merkle.leaf_hash(entry).hex(),
        "tree_head": head.to_dict(),
        "proof": [h.hex() for h in log.inclusion_proof(leaf_index, head.tree_size)],
    }
    response = jsonify(body)
    return caching.immutable(response) if size is not None else caching.no_store(response)


@bp.get("/log/consistency-proof")
def consistency_proof() -> Response:
    first = _query_int("first")
    if first is None:
        raise EncodingError("query parameter first: required", field="first")
    second = _query_int("second")
    log = _log()
    if second is not None:
        _size_or_404(log, second)
    head = log.tree_head(second)
    _size_or_404(log, first)
    body = {
        "tree_head_1": log.tree_head(first).to_dict(),
        "tree_head_2": head.to_dict(),
        "proof": [h.hex() for h in log.consistency_proof(first, head.tree_size)],
    }
    response = jsonify(body)
    return caching.immutable(response) if second is not None else caching.no_store(response)


@bp.get("/chains/<int:chain_index>/pulses")
def chain_pulses(chain_index: int) -> Response:
    """Pulses ``start <= index < end`` of a chain with the tree heads they commit to (export)."""
    start = _query_int("start", 1) or 1
    end = min(_query_int("end", start + MAX_RANGE) or start, start + MAX_RANGE, MAX_STORED_INT)
    session = read_session()
    stored = PulseRepository(session).range(chain_index, start, end)
    log = LogRepository(session)
    heads = {s.tree_size: log.saved_tree_head(s.tree_size) for s in stored}
    body = {
        "pulses": [json.loads(s.document) for s in stored],
        "tree_heads": [h.to_dict() for h in heads.values() if h is not None],
    }
    return caching.until(jsonify(body), now_ms=now_ms(), due_ms=next_boundary())


_PROBLEM_404 = problem_response("Not in the log (yet)")
_PROBLEM_400 = problem_response("A malformed query parameter")


_PROBLEM_422 = problem_response("No such proof (e.g. a consistency proof from size 0)")


def _get(summary: str, *parameters: dict[str, Any], proof: bool = False) -> dict[str, Any]:
    responses = {"200": json_response(summary), "400": _PROBLEM_400, "404": _PROBLEM_404}
    if proof:
        responses["422"] = _PROBLEM_422
    return {"get": {"summary": summary, "parameters": list(parameters), "responses": responses}}


PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/log/tree-head": _get("The log's current tree head (PROTOCOL.md §7.2)"),
    "/api/v1/log/tree-heads/{tree_size}": _get(
        "The tree head at a past size", integer_parameter("tree_size")
    ),
    "/api/v1/log/leaves/{leaf_index}": _get("One log entry", integer_parameter("leaf_index")),
    "/api/v1/log/leaves": _get(
        "Log entries start <= index < end (at most 1000)",
        integer_parameter("start", "query"),
        integer_parameter("end", "query"),
    ),
    "/api/v1/log/inclusion-proof/{leaf_index}": _get(
        "An inclusion proof (PROTOCOL.md §7.3)",
        integer_parameter("leaf_index"),
        integer_parameter("tree_size", "query"),
        proof=True,
    ),
    "/api/v1/log/consistency-proof": _get(
        "A consistency proof (PROTOCOL.md §7.4)",
        {**integer_parameter("first", "query"), "required": True},
        integer_parameter("second", "query"),
        proof=True,
    ),
    "/api/v1/chains/{chain_index}/pulses": _get(
        "Pulses of a chain start <= index < end (at most 1000) with their tree heads",
        integer_parameter("chain_index"),
        integer_parameter("start", "query"),
        integer_parameter("end", "query"),
    ),
}
