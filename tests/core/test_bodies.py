"""The body dataclasses against the encoding table of PROTOCOL.md §6.3.

The expected fields, in order and with their wire types, are read from the table in
docs/PROTOCOL.md (the specification a second implementation is written from), not
from the code; the round trips run over every JSON statement in the conformance
vectors (tests/vectors and the shared vectors the design brief names).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from beacon.core.bodies import BODY_TYPES, DrawRevealBody, EnvelopeSubmitBody
from beacon.core.statement import SignedStatement, Statement
from beacon.core.vocabulary import REGISTRARS, SEED_ROLES, Role, StatementKind
from beacon.errors import EncodingError

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "docs" / "PROTOCOL.md"
VECTOR_DIRS = [ROOT / "tests" / "vectors", Path("/work/shared/vectors")]

# How §6.3 (with §2.1) spells each wire type in the table's "body fields" column.
SPELLINGS = {
    "str": "str",
    "text": "text",
    "b32": "b32",
    "bytes": "bytes",
    "u64": "u64",
    "list of str": "str_list",
    "list of u64": "u64_list",
    "list of bytes": "bytes_list",
    "list of SeedEntry": "seeds",
    "list of Pick": "picks",
    "list of OpeningEntry": "openings",
}


def _top_level_items(cell: str) -> list[str]:
    """Split a table cell at the commas outside parentheses."""
    items, depth, current = [], 0, ""
    for ch in cell:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    return [*items, current.strip()]


def _wire_type(spelled: str) -> str:
    # "bytes: DER of …", "64 bytes", "text, ≤ 4000 bytes", "b32: statement hash …"
    head = re.split(r"[:,]", spelled, maxsplit=1)[0].strip()
    if re.fullmatch(r"\d+ bytes", head):
        return "bytes"
    return SPELLINGS[head]


def protocol_table() -> dict[str, list[tuple[str, str]]]:
    """§6.3's table: each kind's (field, wire type) in encoding order."""
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text[text.index("### 6.3 Bodies") : text.index("### 6.4")]
    table: dict[str, list[tuple[str, str]]] = {}
    for row in re.finditer(r"^\| `([a-z_.]+)` \| [^|]+ \| (.+) \|$", section, re.M):
        kind, cell = row.group(1), re.sub(r" — §[\d.]+$", "", row.group(2))
        fields = []
        for item in _top_level_items(cell):
            # "size (u64): a new bid envelope …": prose may follow a field after a colon;
            # an item of prose alone ("at most 2 per role") is not a field.
            m = re.fullmatch(r"(\w+) \((.*)\)(?:: [^()]*)?", item, re.S)
            if m:
                fields.append((m.group(1), _wire_type(m.group(2))))
        table[kind] = fields
    return table


TABLE = protocol_table()


def test_the_table_names_every_kind_and_only_those():
    assert set(TABLE) == {str(k) for k in StatementKind}


@pytest.mark.parametrize("kind", list(StatementKind))
def test_body_fields_are_the_tables(kind):
    declared = [(f.name, f.type) for f in BODY_TYPES[kind].spec()]
    assert declared == TABLE[kind]


def _vector_statements() -> list[tuple[str, dict]]:
    found = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if {"suite", "kind", "body"} <= node.keys():
                found.append((where, node))
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    for folder in VECTOR_DIRS:
        for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
            walk(json.loads(path.read_text(encoding="utf-8")), str(path.relative_to(folder)))
    return found


VECTOR_STATEMENTS = _vector_statements()


def test_the_vectors_hold_statements():
    assert len(VECTOR_STATEMENTS) >= 10


@pytest.mark.parametrize(
    ("where", "statement"), VECTOR_STATEMENTS, ids=[w for w, _ in VECTOR_STATEMENTS]
)
def test_to_dict_of_from_dict_is_the_vector(where, statement):
    body_type = BODY_TYPES[StatementKind(statement["kind"])]
    assert body_type.from_dict(statement["body"]).to_dict() == statement["body"]
    # And through the whole statement, bytes included.
    st = Statement.from_dict(statement)
    assert st.to_dict() == statement
    assert Statement.decode(st.encode()) == st


def test_signed_statements_in_the_vectors_round_trip_to_their_bytes():
    for path in sorted((ROOT / "tests" / "vectors" / "statement").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        signed = SignedStatement.from_dict(doc["signed_statement"])
        assert signed.encode().hex() == doc["encoded"], path.name


# -- strictness --------------------------------------------------------------------------------


def test_from_dict_refuses_unknown_missing_and_mistyped_fields():
    good = {"envelope_id": "e-1", "purpose": "bid", "envelope_hash": "00" * 32, "size": 1}
    assert EnvelopeSubmitBody.from_dict(good).size == 1
    with pytest.raises(EncodingError, match="expected exactly the fields"):
        EnvelopeSubmitBody.from_dict({**good, "extra": 1})
    with pytest.raises(EncodingError, match="expected exactly the fields"):
        EnvelopeSubmitBody.from_dict({k: v for k, v in good.items() if k != "size"})
    with pytest.raises(EncodingError, match="envelope.submit.size: expected an unsigned integer"):
        EnvelopeSubmitBody.from_dict({**good, "size": True})
    with pytest.raises(EncodingError, match="envelope.submit.envelope_id: expected a string"):
        EnvelopeSubmitBody.from_dict({**good, "envelope_id": 7})


def test_of_refuses_wrong_fields_and_types():
    with pytest.raises(EncodingError, match=r"draw.reveal body: expected fields \['seed'\]"):
        DrawRevealBody.of({"seed": b"s" * 32, "more": 1})
    with pytest.raises(EncodingError, match="draw.reveal.seed: expected bytes, got str"):
        DrawRevealBody.of({"seed": "s" * 32})
    body = EnvelopeSubmitBody.of(
        {"envelope_id": "e", "purpose": "bid", "envelope_hash": b"h" * 32, "size": 3}
    )
    assert body == EnvelopeSubmitBody("e", "bid", b"h" * 32, 3)


def test_a_statement_refuses_another_kinds_body():
    with pytest.raises(EncodingError, match="draw.commit body: expected a DrawCommitBody"):
        Statement(
            kind=StatementKind.DRAW_COMMIT,
            tender_id="T",
            subject="D",
            role=Role.AGENT,
            actor=b"a" * 32,
            issued_at=0,
            nonce=b"n" * 16,
            body=DrawRevealBody(b"s" * 32),
        )


def test_the_role_subsets_are_those_of_the_protocol():
    # §3.1, §3.3: every role but the beacon's is registered, and only by its registrar;
    # §10.1: seeds in the order centre, agent, bidders.
    assert {str(r) for r in REGISTRARS} == {"centre", "agent", "bidder", "supervisor"}
    assert [str(r) for r in SEED_ROLES] == ["centre", "agent", "bidder"]
