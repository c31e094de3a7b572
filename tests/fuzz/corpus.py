"""Valid inputs of every parser, to mutate: the project's vectors and a whole history.

The vectors (tests/vectors) give hand-made edge cases; a real deployment
(tests/ops/scenario.py) gives the statements of every kind the service writes, its
receipts, pulses, tree heads, envelopes, a proof bundle and a tender bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beacon.service import bundles, tender_bundles
from beacon.service.receipts import receipt_for
from beacon.store import LogRepository, PulseRepository, sqlite_url
from beacon.store.statements import StatementRepository
from tests.conftest import VECTORS
from tests.ops.scenario import DRAW, full_history
from tests.service.deployment import PERIOD, TENDER, definition


@dataclass
class Corpus:
    signed_statements: list[bytes] = field(default_factory=list)
    signed_statement_docs: list[dict[str, Any]] = field(default_factory=list)
    statements: list[bytes] = field(default_factory=list)
    statement_docs: list[dict[str, Any]] = field(default_factory=list)
    envelopes: list[bytes] = field(default_factory=list)
    bundles: list[dict[str, Any]] = field(default_factory=list)
    tender_bundles: list[dict[str, Any]] = field(default_factory=list)
    pulses: list[dict[str, Any]] = field(default_factory=list)
    definitions: list[bytes] = field(default_factory=list)
    definition_docs: list[dict[str, Any]] = field(default_factory=list)
    authoring_docs: list[dict[str, Any]] = field(default_factory=list)
    tree_heads: list[bytes] = field(default_factory=list)
    tree_head_docs: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)


def _vectors(area: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((VECTORS / area).glob("*.json"))]


def build(tmp: Path) -> Corpus:
    from beacon.core.definition import DrawDefinition
    from beacon.core.logentry import statement_of

    c = Corpus()
    for v in _vectors("statement"):
        if v["expect"] == "valid":
            c.signed_statements.append(bytes.fromhex(v["encoded"]))
    for v in _vectors("envelope"):
        if v["expect"] == "valid":
            c.envelopes.append(bytes.fromhex(v["envelope"]))
    for v in _vectors("pulse"):
        if v["expect"] == "valid":
            c.pulses += v["pulses"]
    for v in _vectors("definition"):
        if v["expect"] == "valid":
            c.definitions.append(bytes.fromhex(v["encoded"]))
            c.definition_docs.append(v["definition"])
    for v in _vectors("merkle"):
        if v.get("kind") == "tree-head":
            c.tree_head_docs.append(v["tree_head"])
            c.tree_heads.append(bytes.fromhex(v["encoding"]))

    d = full_history(tmp, sqlite_url(tmp / "corpus.sqlite3"))
    try:
        with d.runtime.database.read() as session:
            log, pulses = LogRepository(session), PulseRepository(session)
            statements = StatementRepository(session)
            for index, entry in log.entries(0, log.size()):
                signed = statement_of(entry)
                c.signed_statements.append(signed.encode())
                c.signed_statement_docs.append(signed.to_dict())
                c.statements.append(signed.statement.encode())
                c.statement_docs.append(signed.statement.to_dict())
                c.receipts.append(receipt_for(session, signed.statement.hash(), index).to_dict())
                if signed.statement.kind == "envelope.submit":
                    c.envelopes.append(d.runtime.blobs.read(signed.statement.body.envelope_hash))
            for stored in pulses.range(1, 1, 1000):
                c.pulses.append(json.loads(stored.document))
                head = log.saved_tree_head(stored.tree_size)
                assert head is not None
                c.tree_heads.append(head.encode())
                c.tree_head_docs.append(head.to_dict())
            row = statements.draw(DRAW)
            assert row is not None
            c.definitions.append(row.definition)
            c.definition_docs.append(DrawDefinition.decode(row.definition).to_dict())
            bundle = bundles.build(
                session,
                DRAW,
                blobs=d.runtime.blobs,
                anchors=d.runtime.trust.anchor_ders(),
                period_ms=PERIOD,
            )
            c.bundles.append(bundle.to_dict())
            c.tender_bundles.append(
                tender_bundles.build(
                    session,
                    TENDER,
                    blobs=d.runtime.blobs,
                    anchors=d.runtime.trust.anchor_ders(),
                    period_ms=PERIOD,
                ).to_dict()
            )
    finally:
        d.runtime.close()
    c.authoring_docs.append(_authoring())
    c.authoring_docs.append(
        {
            **_authoring(),
            "selections": [{"code": "K", "label": "K", "candidates": ["0.95", "0.96"]}],
            "derived": [],
        }
    )
    c.receipts.append({**c.receipts[-1], "pulse": None, "beacon_certificate": None})
    return c


def _authoring() -> dict[str, Any]:
    """The authoring document that tests.service.deployment.definition parses."""
    doc = definition().to_dict()
    return {
        "draw_id": doc["draw_id"],
        "tender_id": doc["tender_id"],
        "section": doc["section"],
        "title": doc["title"],
        "selections": [
            {
                "code": "K1",
                "label": "下浮系数 K1",
                "range": {"from": "0.950", "to": "0.980", "step": "0.005"},
            },
            {
                "code": "Q1",
                "label": "权重 Q1",
                "range": {"from": "0.65", "to": "0.85", "step": "0.05"},
            },
        ],
        "derived": [{"code": "Q2", "label": "权重 Q2", "formula": "1 - Q1"}],
        "deadlines": doc["deadlines"],
        "dispute_window_ms": doc["dispute_window_ms"],
        "vdf_t": doc["vdf_t"],
        "vdf_rate": doc["vdf_rate"],
        "vdf_advantage": doc["vdf_advantage"],
    }
