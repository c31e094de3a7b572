"""The verifier's own protocol words (verifier/vocabulary.py) are the specification's.

Independent source: the tables of docs/PROTOCOL.md, §3.1 (roles) and §6.3 (statement
kinds and the roles that make each), read from the document itself. This file imports
nothing of beacon/ (the verifier is checked against the text, not the service).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from verifier import records
from verifier.draw.bundle import KIND_ROLES as DRAW_KIND_ROLES
from verifier.errors import ParseError
from verifier.tender.bundle import KIND_ROLES as TENDER_KIND_ROLES
from verifier.vocabulary import Role, StatementKind

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The text of the section ``### heading`` up to the next heading."""
    start = PROTOCOL.index(f"### {heading}\n")
    end = PROTOCOL.index("\n#", start + 1)
    return PROTOCOL[start:end]


def table_rows(text: str) -> list[list[str]]:
    """The cells of each body row of the first Markdown table in ``text``."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows]


ROLES_31 = [row[0].strip("`") for row in table_rows(section("3.1 Parties and roles"))]
KINDS_63 = {
    row[0].strip("`"): tuple(r.strip() for r in row[1].split(","))
    for row in table_rows(section("6.3 Bodies"))
}


def test_the_roles_are_those_of_section_3_1():
    assert sorted(ROLES_31) == sorted(Role) and len(ROLES_31) == 5


def test_the_kinds_are_those_of_section_6_3_in_its_order():
    assert list(KINDS_63) == list(StatementKind) and len(KINDS_63) == 20
    # Each kind has its body codec, in the same order (the kind pattern of records is built
    # from it, and its text is in parse errors).
    assert sorted(records.BODIES) == sorted(StatementKind)


@pytest.mark.parametrize(
    ("table", "procedure"), [(DRAW_KIND_ROLES, "draw"), (TENDER_KIND_ROLES, "tender")]
)
def test_each_procedure_allows_each_kind_the_roles_of_section_6_3(table, procedure):
    for kind, roles in table.items():
        assert sorted(roles) == sorted(KINDS_63[kind]), (procedure, kind)


def test_a_parsed_statement_carries_the_enums():
    doc = json.loads((ROOT / "tests" / "vectors" / "statement" / "commit-valid.json").read_text())
    s = records.parse_signed(doc["signed_statement"])
    assert (type(s.kind), type(s.role)) == (StatementKind, Role)
    assert s.kind == StatementKind.DRAW_COMMIT and f"{s.kind} by {s.role}" == "draw.commit by agent"


def test_a_log_entry_of_an_unknown_kind_does_not_decode():
    """§6.3: a kind outside the table is no statement; its entry is refused, not passed on."""
    doc = json.loads((ROOT / "tests" / "vectors" / "statement" / "commit-valid.json").read_text())
    entry = records.parse_signed(doc["signed_statement"]).entry
    assert records.decode_entry(entry).kind == StatementKind.DRAW_COMMIT
    forged = entry.replace(b"draw.commit", b"draw.commix", 1)  # same length: framing intact
    with pytest.raises(ParseError, match=re.escape("unknown kind 'draw.commix'")):
        records.decode_entry(forged)
