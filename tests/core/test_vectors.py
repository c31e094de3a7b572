"""Every project vector in tests/vectors/ through beacon/ (verifier/ runs the same files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beacon.core import commitment, possession
from beacon.core.commitment import Party
from beacon.core.definition import DrawDefinition, Kind, Selection, ValueType
from beacon.core.selection import SelectionStream, pick, randbelow
from beacon.core.statement import SignedStatement, verify_signature
from beacon.errors import DefinitionError, VerificationError
from tests.conftest import VECTORS


def test_chain_vectors():
    """§7.6 through beacon.core.logentry: every file's first problem is its expect."""
    from beacon.core.logentry import ChainFollower

    paths = vectors("chain")
    assert paths
    for path in paths:
        v = load(path)
        follower = ChainFollower()
        problems = [
            p
            for leaf, entry in enumerate(v["entries"])
            if (p := follower.add(leaf, bytes.fromhex(entry))) is not None
        ]
        assert (problems[0].kind if problems else "valid") == v["expect"], (path.stem, problems)


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
    sel = Selection(
        "X",
        "x",
        Kind(v["kind"]),
        v["k"],
        ValueType(v["value_type"]),
        "",
        False,
        tuple(v["candidates"]),
    )
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
        "bad-possession": "the proof of possession does not verify",
    }
    st = signed.statement

    def check() -> None:
        verify_signature(signed)
        if st.kind.endswith(".opening_key"):  # §9.3
            fields = dict(tender_id=st.tender_id, subject=st.subject, role=st.role)
            message = possession.message(
                **fields, announcer=st.actor, public_key=st.body.public_key
            )
            assert message.hex() == v["possession_message"]
            possession.verify(
                st.body.public_key,
                st.body.possession,
                **fields,
                announcer=st.actor,
                what=st.kind,
            )

    if v["expect"] == "valid":
        check()
    else:
        with pytest.raises(VerificationError, match=messages[v["expect"]]):
            check()


def _field(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


@pytest.mark.parametrize("path", vectors("draw"), ids=lambda p: p.stem)
def test_whole_draw(path):
    """The combined seed rebuilt by hand from PROTOCOL.md §10.1, the VDF by plain-int squaring."""
    import hashlib

    from beacon.core import draw, vdf
    from beacon.core.commitment import SeedEntry, SeedStatus
    from beacon.errors import InputError as _InputError

    v = load(path)
    d = DrawDefinition.from_dict(v["definition"])
    entries = [
        SeedEntry(
            Party(s["role"], bytes.fromhex(s["fingerprint"])),
            SeedStatus(s["status"]),
            bytes.fromhex(s["seed"]),
        )
        for s in v["seeds"]
    ]
    root = bytes.fromhex(v["freeze"]["root_hash"])
    refusal = {
        "no-seed": "no seed was included",
        "missing-party": "the seed entries have no (centre|agent) entry",
    }.get(v["expect"])
    if refusal is not None:
        with pytest.raises(_InputError, match=refusal):
            draw.combine_seed(d.hash(), v["freeze"]["tree_size"], root, entries, None)
        return
    assert v["expect"] == "valid"
    assert d.hash().hex() == v["definition_hash"]
    included = [e for e in entries if e.status is SeedStatus.INCLUDED]
    pairs = b"".join(
        _field(e.party.role.encode()) + _field(e.party.fingerprint) + _field(e.seed)
        for e in included
    )
    snapshot = b"" if v["snapshot_hash"] is None else bytes.fromhex(v["snapshot_hash"])
    by_hand = hashlib.sha512(
        _field(b"tender-beacon/v1/draw-seed")
        + _field(d.hash())
        + _field(v["freeze"]["tree_size"].to_bytes(8, "big"))
        + _field(root)
        + _field(_field(len(included).to_bytes(4, "big")) + pairs)
        + _field(snapshot)
    ).digest()
    assert by_hand.hex() == v["combined_seed"]
    assert (
        draw.combine_seed(d.hash(), v["freeze"]["tree_size"], root, entries, snapshot or None).hex()
        == v["combined_seed"]
    )
    x = vdf.hash_to_group(by_hand)
    assert vdf.encode_element(x).hex() == v["x"]
    n = vdf.MODULUS
    y = x
    for _ in range(d.vdf_t):
        y = y * y % n
    assert vdf.encode_element(min(y, n - y)).hex() == v["y"]
    proof = vdf.VdfProof(y=min(y, n - y), pi=int(v["pi"], 16))
    vdf.verify(x, d.vdf_t, proof)
    assert vdf.output(proof.y).hex() == v["R"]
    from beacon.core.draw import picks_from_output

    picks = picks_from_output(d, bytes.fromhex(v["R"]), v["snapshot"])
    assert [p.to_dict() for p in picks] == v["picks"]
    assert draw.derived_values(d, picks) == v["derived"]
