"""Definition vectors (PROTOCOL.md §5).

expect ∈ {"valid", "invalid"}; a valid vector gives the canonical JSON, the
canonical bytes (hex) and the definition hash; an invalid one gives the canonical
JSON that must be rejected and ``error_field``, the field the error names.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.errors import DefinitionError

PROVENANCE = (
    "tests/vectors/gen_definition.py with beacon.core.definition; bytes re-derived by verifier/ "
    "from the JSON and the PROTOCOL.md §5.1 field table"
)

JIANGSU = {
    "draw_id": "JS-2026-0142-1",
    "tender_id": "JS-2026-0142",
    "section": "第1标段",
    "title": "评标基准价系数抽取（方法二）",
    "regime": "before_opening",
    "selections": [
        {
            "code": "K1",
            "label": "下浮系数 K1",
            "range": {"from": "0.950", "to": "0.980", "step": "0.005"},
        },
        {"code": "Q1", "label": "权重 Q1", "range": {"from": "0.65", "to": "0.85", "step": "0.05"}},
    ],
    "derived": [{"code": "Q2", "label": "权重 Q2 = 1 − Q1", "formula": "1 - Q1"}],
    "deadlines": {
        "commit": "2026-11-26T09:00:00.000Z",
        "reveal": "2026-11-26T09:10:00.000Z",
        "seed_open": "2026-11-26T09:15:00.000Z",
    },
    "dispute_window_ms": 600000,
    "vdf_t": 100000,
    # §11.5: T = 100000 ≥ A_max · s · W = 1 · 100/s · 900 s.
    "vdf_rate": 100,
    "vdf_advantage": 1,
}

AFTER_OPENING = {
    "draw_id": "JS-2026-0142-2",
    "tender_id": "JS-2026-0142",
    "section": "第1标段",
    "title": "有效标抽取",
    "regime": "after_opening",
    "selections": [
        {
            "code": "BID_SAMPLE",
            "label": "抽取 3 家有效标",
            "kind": "pick_k",
            "k": 3,
            "from_snapshot": True,
        },
        {
            "code": "DELTA",
            "label": "下浮率 Δ",
            "unit": "%",
            "range": {"from": "6", "to": "12", "step": "0.5"},
        },
        {
            "code": "ORDER",
            "label": "评审顺序",
            "kind": "permutation",
            "value_type": "id",
            "candidates": ["A", "B", "C"],
        },
    ],
    "deadlines": {
        "commit": "2026-11-26T10:00:00.000Z",
        "snapshot": "2026-11-26T10:05:00.000Z",
        "reveal": "2026-11-26T10:10:00.000Z",
        "seed_open": "2026-11-26T10:15:00.000Z",
    },
    "dispute_window_ms": 3600000,
    "vdf_t": 1048576,
    # §11.5: T = 1048576 ≥ A_max · s · W = 2 · 500/s · 900 s.
    "vdf_rate": 500,
    "vdf_advantage": 2,
    "redraw_of": "JS-2026-0142-0",
}


def _valid(name: str, authoring: dict[str, Any], comment: str) -> tuple[str, dict[str, Any]]:
    d = parse_authoring(authoring)
    return name, {
        "comment": comment,
        "provenance": PROVENANCE,
        "definition": d.to_dict(),
        "encoded": d.encode().hex(),
        "definition_hash": d.hash().hex(),
        "expect": "valid",
    }


def _invalid(name: str, mutate: Any, field: str, comment: str) -> tuple[str, dict[str, Any]]:
    doc = copy.deepcopy(parse_authoring(JIANGSU).to_dict())
    mutate(doc)
    try:
        DrawDefinition.from_dict(doc)
    except DefinitionError as e:
        assert e.field == field, (name, e.field, e)
    else:
        raise AssertionError(f"{name} was accepted")
    return name, {
        "comment": comment,
        "provenance": PROVENANCE,
        "definition": doc,
        "error_field": field,
        "expect": "invalid",
    }


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    yield _valid(
        "jiangsu-method-2",
        JIANGSU,
        "Jiangsu 方法二 style: K1 in 0.950..0.980 step 0.005, Q1 in 0.65..0.85, Q2 = 1 - Q1",
    )
    yield _valid(
        "after-opening-snapshot",
        AFTER_OPENING,
        "after bid opening: 3 of the valid bids, a percentage and a permutation",
    )

    def dup(doc: dict[str, Any]) -> None:
        doc["selections"][1]["code"] = "K1"

    def empty(doc: dict[str, Any]) -> None:
        doc["selections"][1]["candidates"] = []

    def non_decimal(doc: dict[str, Any]) -> None:
        doc["selections"][0]["candidates"][0] = "95%"

    def k_above_n(doc: dict[str, Any]) -> None:
        doc["selections"][1]["kind"] = "pick_k"
        doc["selections"][1]["k"] = 6

    def order(doc: dict[str, Any]) -> None:
        doc["deadlines"]["reveal"] = "2026-11-26T08:00:00.000Z"

    def float_value(doc: dict[str, Any]) -> None:
        doc["selections"][0]["candidates"][1] = 0.955

    def suite(doc: dict[str, Any]) -> None:
        doc["suite"] = 2

    yield _invalid(
        "invalid-duplicate-code", dup, "selections[1].code", "two selections with code K1"
    )
    yield _invalid(
        "invalid-empty-candidates", empty, "selections[1].candidates", "an empty candidate list"
    )
    yield _invalid(
        "invalid-non-decimal",
        non_decimal,
        "selections[0].candidates[0]",
        "'95%' is not an exact decimal",
    )
    yield _invalid(
        "invalid-float",
        float_value,
        "selections[0].candidates[1]",
        "a JSON number instead of a decimal string",
    )
    yield _invalid("invalid-k-above-n", k_above_n, "selections[1].k", "pick 6 of 5")
    yield _invalid(
        "invalid-deadline-order",
        order,
        "deadlines.reveal",
        "reveal deadline before the commit deadline",
    )
    yield _invalid("invalid-suite", suite, "suite", "an unknown suite")
