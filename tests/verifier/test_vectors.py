"""Every project vector in tests/vectors/ through verifier/ (beacon/ runs the same files in
tests/core): one parametrised test per area, each reaching exactly the file's ``expect``."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.verifier import backends
from verifier import (
    draw,
    envelope,
    identity,
    merkle,
    monitor,
    opening_keys,
    pulse,
    records,
    selection,
    vdf,
)
from verifier.errors import CheckFailed, ParseError

# Not tests.conftest's VECTORS nor its conftest.py's fixture: this file imports nothing of
# beacon/, so that .ci/verifier-alone runs it against the verifier installed alone.
VECTORS = Path(__file__).resolve().parents[1] / "vectors"
vdf_backend = backends.vdf_backend

# The closed outcome set of each area (the generators' docstrings, PROTOCOL.md §8.6, §9.7, §11.9).
OUTCOMES = {
    "chain": {"valid", "fork", "gap", "broken-link", "malformed"},
    "commitment": {"valid", "mismatch"},
    "definition": {"valid", "invalid"},
    "selection": {"valid", "exhaustive"},
    "statement": {"valid", "bad-signature", "actor-mismatch", "wrong-algorithm", "bad-possession"},
    "vdf": {
        "valid",
        "wrong-modulus",
        "malformed",
        "non-canonical",
        "not-a-unit",
        "x-mismatch",
        "bad-T",
        "bad-proof",
        "bad-output",
    },
    "merkle": {"valid", "invalid"},
    "pulse": {
        "valid",
        "parse-error",
        "certificate-invalid",
        "signature-invalid",
        "output-invalid",
        "chain-invalid",
        "external-invalid",
    },
    "draw": {"valid", "no-seed", "missing-party"},
    "envelope": {
        "valid",
        "header-malformed",
        "not-a-recipient",
        "wrong-role-key",
        "share-unwrap-failed",
        "share-missing",
        "header-mac-mismatch",
        "nonce-truncated",
        "payload-truncated",
        "payload-auth-failed",
        "payload-empty-final-chunk",
        "payload-trailing-data",
        "seed-size-mismatch",
    },
}


def vectors(area: str) -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted((VECTORS / area).glob("*.json"))]


def load(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text())
    assert doc["expect"] in OUTCOMES[path.parent.name]
    return doc


@pytest.mark.parametrize("area", sorted(OUTCOMES))
def test_every_area_has_vectors_and_a_valid_one(area: str):
    docs = [json.loads(p.read_text()) for p in (VECTORS / area).glob("*.json")]
    assert docs and any(d["expect"] == "valid" for d in docs)


@pytest.mark.parametrize("path", vectors("chain"), ids=lambda p: p.stem)
def test_chain(path: Path):
    """§7.6 through verifier/monitor.py: the first problem's kind is the file's expect."""
    v = json.loads(path.read_text())
    entries = [bytes.fromhex(e) for e in v["entries"]]
    head = merkle.TreeHead.from_json(v["tree_head"], "tree_head")
    chains = monitor.Chains()
    for leaf, entry in enumerate(entries):
        chains.add(leaf, entry)
    found = chains.problems[0][0] if chains.problems else "valid"
    assert found == v["expect"], chains.problems
    if v["expect"] == "valid":
        assert "without a gap or a fork" in monitor.check_log(enumerate(entries), head)
    else:
        with pytest.raises(CheckFailed, match="chain problem"):
            monitor.check_log(enumerate(entries), head)


@pytest.mark.parametrize("path", vectors("commitment"))
def test_commitment(path: Path):
    v = load(path)
    got = draw.commitment(
        v["draw_id"], v["role"], bytes.fromhex(v["fingerprint"]), bytes.fromhex(v["seed"])
    )
    assert (
        "valid" if hmac.compare_digest(got, bytes.fromhex(v["commitment"])) else "mismatch"
    ) == v["expect"]


@pytest.mark.parametrize("path", vectors("definition"))
def test_definition(path: Path):
    v = load(path)
    if v["expect"] == "invalid":
        with pytest.raises(ParseError, match="^" + re.escape(v["error_field"] + ":")):
            records.parse_definition(v["definition"])
        return
    _, encoded = records.parse_definition(v["definition"])
    assert encoded.hex() == v["encoded"]
    assert records.definition_hash(encoded).hex() == v["definition_hash"]


class _Once:
    """A bit source that yields one attempt's ``m`` bits, then reports a discard by zeros."""

    def __init__(self, value: int) -> None:
        self.value, self.used = value, 0

    def take(self, m: int) -> int:
        self.used += m
        return self.value if self.used == m else 0


@pytest.mark.parametrize("path", vectors("selection"))
def test_selection(path: Path):
    v = load(path)
    if v["expect"] == "exhaustive":
        assert (v["r"] - 1).bit_length() == v["m"]
        for value, expected in enumerate(v["outcomes"]):
            bits = _Once(value)
            c = selection.below(v["r"], bits)  # type: ignore[arg-type]
            assert (c if bits.used == v["m"] else None) == expected
        return
    n = len(v["candidates"])
    k = {"pick_one": 1, "pick_k": v["k"], "permutation": n}[v["kind"]]
    indexes, bits = selection.pick(bytes.fromhex(v["R"]), v["selection_index"], n, k)
    assert indexes == v["indexes"]
    assert [v["candidates"][i] for i in indexes] == v["values"]
    assert (bits.used, bits.blocks) == (v["bits_used"], v["blocks_used"])


@pytest.mark.parametrize("path", vectors("statement"))
def test_statement(path: Path):
    v = load(path)
    signed = records.parse_signed(v["signed_statement"])
    assert signed.entry.hex() == v["encoded"]
    assert signed.hash.hex() == v["statement_hash"]
    # Decoding the entry (as for a receipt, §6.6) gives back the same statement.
    assert dataclasses.replace(records.decode_entry(signed.entry), body=signed.body) == signed
    try:
        identity.verify_statement(signed)
        if signed.kind.endswith(".opening_key"):  # §9.3
            message = opening_keys.possession_message(
                tender_id=signed.tender_id,
                subject=signed.subject,
                role=signed.role,
                announcer=signed.actor,
                public_key=signed.body["public_key"],
            )
            assert message.hex() == v["possession_message"]
            opening_keys.check_possession(signed, what=path.stem)
        outcome = "valid"
    except CheckFailed as e:
        outcome = e.code
    assert outcome == v["expect"]


@pytest.mark.parametrize("path", vectors("draw"))
def test_draw(path: Path, vdf_backend: str):
    """A whole computation (§10–§12): seed entries → combined seed → x; (y, π) verified → R → picks."""
    v = load(path)
    definition, encoded = records.parse_definition(v["definition"])
    def_hash = records.definition_hash(encoded)
    freeze = merkle.TreeHead(v["freeze"]["tree_size"], bytes.fromhex(v["freeze"]["root_hash"]))
    entries = [
        (e["role"], bytes.fromhex(e["fingerprint"]), e["status"], bytes.fromhex(e["seed"]))
        for e in v["seeds"]
    ]
    snapshot = draw.snapshot_hash(v["snapshot"]) if v["snapshot"] is not None else b""
    try:
        seed = draw.combined_seed(def_hash, freeze, entries, snapshot)
    except CheckFailed as e:
        assert e.code == v["expect"] and e.code in ("no-seed", "missing-party")
        return
    assert v["expect"] == "valid"
    assert (def_hash.hex(), snapshot.hex() or None) == (v["definition_hash"], v["snapshot_hash"])
    assert seed.hex() == v["combined_seed"]
    x = vdf.hash_to_group(seed)
    assert vdf.encode(x).hex() == v["x"]
    y, pi = (
        vdf.element(bytes.fromhex(v["y"]), "y"),
        vdf.element(bytes.fromhex(v["pi"]), "pi", identity=True),
    )
    vdf.verify(x, y, pi, definition["vdf_t"])
    r = vdf.output(y)
    assert r.hex() == v["R"]
    drawn = draw.picks(definition, r, v["snapshot"] or ())
    assert drawn == v["picks"]
    assert {d["code"]: d["value"] for d in draw.derived(definition, drawn)} == v["derived"]


@pytest.mark.parametrize("path", vectors("vdf"))
def test_vdf(path: Path, vdf_backend: str):
    v = load(path)
    assert vdf.check_statement(v) == v["expect"]


def _merkle(v: dict[str, Any]) -> str:
    if v["kind"] == "tree-head":
        head = merkle.TreeHead.from_json(v["tree_head"], "tree_head")
        assert head.encode().hex() == v["encoding"]
        assert head.commitment().hex() == v["commitment"]
        assert merkle.root([e.encode() for e in v["entries"]]) == head.root_hash
        return "valid"
    try:
        if v["kind"] == "inclusion":
            head = merkle.TreeHead.from_json(v["tree_head"], "tree_head")
            merkle.verify_inclusion(
                v["leaf_index"],
                merkle.leaf_hash(v["entry"].encode()),
                merkle.proof(v["proof"], "proof"),
                head,
            )
        else:
            first, second = (
                merkle.TreeHead.from_json(v[k], k) for k in ("tree_head_1", "tree_head_2")
            )
            merkle.verify_consistency(first, second, merkle.proof(v["proof"], "proof"))
    except CheckFailed:
        return "invalid"
    return "valid"


@pytest.mark.parametrize("path", vectors("merkle"))
def test_merkle(path: Path):
    v = load(path)
    assert _merkle(v) == v["expect"]


@pytest.mark.parametrize("path", vectors("pulse"))
def test_pulse(path: Path):
    v = load(path)
    certificates = {
        bytes.fromhex(k): identity.load_pem(pem.encode(), k)[0]
        for k, pem in v["certificates"].items()
    }
    heads = [
        None if h is None else merkle.TreeHead.from_json(h, "tree_head") for h in v["tree_heads"]
    ]
    try:
        pulses = [pulse.Pulse.from_json(p, f"pulses[{i}]") for i, p in enumerate(v["pulses"])]
        pulse.verify_segment(pulses, certificates, heads)
        outcome = "valid"
    except ParseError:
        outcome = "parse-error"  # §8.3: a reader rejects the pulse before any check
    except CheckFailed as e:
        outcome = e.code
    assert outcome == v["expect"]


@pytest.mark.parametrize("path", vectors("envelope"))
def test_envelope(path: Path):
    v = load(path)
    data = bytes.fromhex(v["envelope"])
    assert (envelope.envelope_hash(data).hex(), len(data)) == (v["envelope_hash"], v["size"])
    for name, key in v["keys"].items():
        private = envelope.load_private(bytes.fromhex(key["private_key_pkcs8"]), name)
        assert envelope.public_bytes(private).hex() == key["public_key"]
        assert envelope.key_id(bytes.fromhex(key["public_key"])).hex() == key["key_id"]
    keys = {
        role: envelope.load_private(bytes.fromhex(v["keys"][name]["private_key_pkcs8"]), name)
        for role, name in v["open_with"].items()
    }
    try:
        header, plaintext = envelope.open_envelope(data, keys)
    except CheckFailed as e:
        assert e.code == v["expect"]
        assert str(e).startswith(
            "envelope could not be opened"
        )  # §9.7: one message for every reason
        return
    assert v["expect"] == "valid"
    assert hashlib.sha256(plaintext).hexdigest() == v["plaintext_sha256"]
    assert v["plaintext"] in (None, plaintext.hex())
    assert (header.envelope_id, header.purpose, header.bidder.hex()) == (
        v["header"]["envelope_id"],
        v["header"]["purpose"],
        v["header"]["bidder"],
    )
