"""Every project vector in tests/vectors/ through beacon/ (verifier/ runs the same files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beacon.core import commitment
from beacon.core.commitment import Party
from beacon.core.definition import DrawDefinition, Kind, Selection, ValueType
from beacon.core.selection import SelectionStream, pick, randbelow
from beacon.core.statement import SignedStatement, verify_signature
from beacon.errors import DefinitionError, VerificationError
from tests.conftest import VECTORS


def vectors(area: str) -> list[Path]:
    return sorted((VECTORS / area).glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", vectors("commitment"), ids=lambda p: p.stem)
def test_commitment(path):
    v = load(path)
    party = Party(v["role"], bytes.fromhex(v["fingerprint"]))
    args = (v["draw_id"], party, bytes.fromhex(v["seed"]), bytes.fromhex(v["commitment"]))
    if v["expect"] == "valid":
        commitment.verify(*args)
    else:
        assert v["expect"] == "mismatch"
        with pytest.raises(VerificationError, match="does not match its commitment"):
            commitment.verify(*args)


@pytest.mark.parametrize("path", vectors("selection"), ids=lambda p: p.stem)
def test_selection(path):
    v = load(path)
    if v["expect"] == "exhaustive":

        class Once:
            def __init__(self, c):
                self.c, self.used = c, False

            def take(self, m):
                assert m == v["m"]
                if self.used:
                    raise LookupError("discard")
                self.used = True
                return self.c

        for c, expected in enumerate(v["outcomes"]):
            if expected is None:
                with pytest.raises(LookupError):
                    randbelow(Once(c), v["r"])
            else:
                assert randbelow(Once(c), v["r"]) == expected
        return
    assert v["expect"] == "valid"
    sel = Selection("X", "x", Kind(v["kind"]), v["k"], ValueType(v["value_type"]), "", False, tuple(v["candidates"]))
    stream = SelectionStream(bytes.fromhex(v["R"]), v["selection_index"])
    result = pick(sel, sel.candidates, stream)
    assert list(result.indexes) == v["indexes"]
    assert list(result.values) == v["values"]
    assert (stream.bits_used, stream.blocks_used) == (v["bits_used"], v["blocks_used"])


@pytest.mark.parametrize("path", vectors("definition"), ids=lambda p: p.stem)
def test_definition(path):
    v = load(path)
    if v["expect"] == "valid":
        d = DrawDefinition.from_dict(v["definition"])
        assert d.encode().hex() == v["encoded"]
        assert DrawDefinition.decode(bytes.fromhex(v["encoded"])) == d
        assert d.hash().hex() == v["definition_hash"]
        assert d.to_dict() == v["definition"]
    else:
        assert v["expect"] == "invalid"
        with pytest.raises(DefinitionError) as info:
            DrawDefinition.from_dict(v["definition"])
        assert info.value.field == v["error_field"]


@pytest.mark.parametrize("path", vectors("statement"), ids=lambda p: p.stem)
def test_statement(path):
    v = load(path)
    signed = SignedStatement.from_dict(v["signed_statement"])
    assert signed.encode().hex() == v["encoded"]
    assert SignedStatement.decode(bytes.fromhex(v["encoded"])) == signed
    assert signed.statement.hash().hex() == v["statement_hash"]
    messages = {
        "bad-signature": "signature does not verify",
        "actor-mismatch": "actor does not match the attached certificate",
        "wrong-algorithm": "does not fit the certificate's key",
    }
    if v["expect"] == "valid":
        verify_signature(signed)
    else:
        with pytest.raises(VerificationError, match=messages[v["expect"]]):
            verify_signature(signed)
