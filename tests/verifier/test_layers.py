"""The verifier's layers on their own: strict decoding, public conformance vectors (RFC 9162
via transparency-dev/merkle, age's STREAM via C2SP/CCTV), Baillie–PSW against OEIS
tables, exact decimals, and the pure-Python path on a whole bundle."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.conftest import ROOT, shared_vectors
from tests.verifier.conftest import Served
from verifier import definition, envelope, merkle, vdf, verify_bundle
from verifier import encoding as enc
from verifier.errors import CheckFailed, ParseError

# -- §2 canonical fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "read", "match"),
    [
        (
            b"\x00\x00\x00",
            lambda r: r.field("a"),
            r"^x\.a: the input ends before the field's length",
        ),
        (b"\x00\x00\x00\x05ab", lambda r: r.field("a"), r"^x\.a: length 5 runs past the end"),
        (enc.field(b"\x00\x01\x02"), lambda r: r.uint("n", 16), r"^x\.n: expected 2 bytes, got 3"),
        (enc.field(b"\xff"), lambda r: r.text("t"), r"^x\.t: not valid UTF-8"),
        (
            enc.field(enc.field(enc.uint(2, 32)) + enc.field(b"a")),
            lambda r: r.items("l"),
            r"^x\.l\.\[1\]: the input ends",
        ),
        (
            enc.field(b"a") + b"!",
            lambda r: (r.field("a"), r.end()),
            r"^x: 1 byte\(s\) after the last field",
        ),
    ],
    ids=["short-length", "past-the-end", "integer-width", "utf-8", "list-short", "trailing-byte"],
)
def test_strict_reader_names_the_field(data: bytes, read, match: str):
    with pytest.raises(ParseError, match=match):
        read(enc.Reader(data, "x"))


def test_list_encoding_is_the_specs_example():
    # PROTOCOL.md §2.1: the list of "a", "bc".
    assert (
        enc.field(enc.items([b"a", b"bc"])).hex() == "00000013"
        "00000004"
        "00000002"
        "00000001"
        "61"
        "00000002"
        "6263"
    )


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("2026-11-26T09:00:00Z", "expected YYYY-MM-DDTHH:MM:SS.sssZ"),
        ("2026-11-26 09:00:00.000Z", "expected YYYY-MM-DDTHH:MM:SS.sssZ"),
        ("2026-02-30T09:00:00.000Z", "not a valid UTC time"),
        ("2026-11-26T24:00:00.000Z", "not a valid UTC time"),
        ("1969-12-31T23:59:59.999Z", "is before 1970"),
        (1795680000000, "expected YYYY-MM-DDTHH:MM:SS.sssZ"),
    ],
    ids=["no-millis", "space", "february-30", "hour-24", "before-1970", "a-number"],
)
def test_timestamps_are_exact(value: object, match: str):
    with pytest.raises(ParseError, match=match):
        enc.timestamp(value, "t")


def test_timestamps_round_trip():
    for ms in (0, 1, 1795680000000, 1795683599999, 253402300799999):
        assert enc.timestamp(enc.format_time(ms), "t") == ms


@pytest.mark.parametrize(
    ("value", "size", "match"),
    [
        ("AB", None, "expected lower-case hex"),
        ("abc", None, "expected lower-case hex"),
        ("abcd", 3, "expected 3 bytes, got 2"),
        (b"ab", None, "expected lower-case hex"),
    ],
    ids=["upper-case", "odd-length", "wrong-size", "not-a-string"],
)
def test_hex_is_strict(value: object, size: int | None, match: str):
    with pytest.raises(ParseError, match=match):
        enc.hexbytes(value, "h", size)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("YQ", "not base64"),
        ("YR==", "not canonical base64"),
        ("Y Q==", "not base64"),
        (7, "expected a string"),
    ],
    ids=["unpadded", "non-zero-padding-bits", "space", "number"],
)
def test_base64_is_strict(value: object, match: str):
    with pytest.raises(ParseError, match=match):
        enc.b64(value, "b")


# -- §5.2 exact decimals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "op", "b", "value"),
    [
        ("1", "-", "0.65", "0.35"),
        ("100", "*", "0.950", "95.000"),
        ("0.5", "-", "1", "-0.5"),
        ("0.05", "+", "0.95", "1.00"),
        ("0.1", "*", "0.1", "0.01"),
        ("2", "-", "2", "0"),
    ],
    ids=["spec-q2", "spec-scale", "negative", "carry", "product-scale", "zero"],
)
def test_derived_values_are_exact(a: str, op: str, b: str, value: str):
    # Expected: PROTOCOL.md §5.2's own examples and hand arithmetic at the scale it states.
    assert definition.compute(a, op, b) == value


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("1-Q1", "is not '<a> <op> <b>'"),
        ("1 / Q1", "is not '<a> <op> <b>'"),
        ("K1 - Q1", "needs one pick_one decimal code"),
        ("1 - X9", "needs one pick_one decimal code"),
        ("1.0.0 - Q1", "needs one pick_one decimal code"),
    ],
    ids=["no-spaces", "division", "two-codes", "unknown-code", "bad-constant"],
)
def test_derived_formulas_are_strict(formula: str, match: str):
    selections = [
        {"code": c, "kind": "pick_one", "value_type": "decimal", "from_snapshot": False}
        for c in ("K1", "Q1")
    ]
    with pytest.raises(ParseError, match=match):
        definition.derived_operands(formula, selections, "formula")


# -- §7 RFC 9162 proofs: the transparency-dev/merkle vectors -----------------------------------


def test_transparency_dev_merkle_vectors():
    folder = shared_vectors("rfc9162-merkle")
    seen = 0
    for path in sorted(folder.rglob("*.json")):
        v = json.loads(path.read_text())
        h = [base64.b64decode(x) for x in (v["proof"] or [])]
        try:
            if "leafIdx" in v:
                head = merkle.TreeHead(v["treeSize"], base64.b64decode(v["root"]))
                merkle.verify_inclusion(v["leafIdx"], base64.b64decode(v["leafHash"]), h, head)
            else:
                first, second = (
                    merkle.TreeHead(v[f"size{i}"], base64.b64decode(v[f"root{i}"])) for i in (1, 2)
                )
                merkle.verify_consistency(first, second, h)
            failed = False
        except CheckFailed:
            failed = True
        assert failed == v["wantErr"], path.relative_to(folder)
        seen += 1
    assert seen > 150


# -- §9.5 STREAM: the age CCTV stream vectors, opened with their file key --------------------


def _age(path: Path) -> tuple[dict[str, str], bytes]:
    head, _, body = path.read_bytes().partition(b"\n\n")
    meta = dict(line.split(": ", 1) for line in head.decode().splitlines())
    body = zlib.decompress(body) if meta.get("compressed") == "zlib" else body
    mac_line = body.index(b"\n--- ")
    return meta, body[body.index(b"\n", mac_line + 1) + 1 :]  # the payload follows the MAC line


# age's outcomes in our names (§9.5): a missing or short nonce is age's "header failure".
AGE = {
    "success": None,
    "payload failure": {
        "payload-truncated",
        "payload-auth-failed",
        "payload-empty-final-chunk",
        "payload-trailing-data",
    },
    "header failure": {"nonce-truncated"},
}


def test_age_cctv_stream_vectors():
    paths = sorted(shared_vectors("age-cctv").glob("stream_*"))
    assert len(paths) >= 28
    for path in paths:
        meta, payload = _age(path)
        try:
            plaintext = envelope.stream_open(bytes.fromhex(meta["file key"]), payload)
        except CheckFailed as e:
            assert e.code in AGE[meta["expect"]], (path.name, e.code)  # type: ignore[operator]
            continue
        assert meta["expect"] == "success", path.name
        assert hashlib.sha256(plaintext).hexdigest() == meta["payload"], path.name


# -- §9.2 envelope headers ---------------------------------------------------------------------


def _seed_envelope() -> bytes:
    return bytes.fromhex(
        json.loads(
            (Path(__file__).parents[1] / "vectors" / "envelope" / "valid-seed.json").read_text()
        )["envelope"]
    )


def _with_header(fields: list[bytes]) -> bytes:
    return enc.field(b"".join(fields)) + enc.field(bytes(32)) + bytes(40)


def _stanza(role: str, key: int) -> bytes:
    return enc.field(enc.fields(role.encode(), bytes([key]) * 32, bytes(97)))


def _header(
    *, purpose: str = "seed", draw: str = "JS-1", stanzas: list[bytes] | None = None, suite: int = 1
) -> bytes:
    stanzas = [_stanza("agent", 1), _stanza("centre", 2)] if stanzas is None else stanzas
    return _with_header(
        [
            enc.field(b"tender-beacon/v1/envelope"),
            enc.field(enc.uint(suite, 16)),
            enc.field(b"T-1"),
            enc.field(b"E-1"),
            enc.field(purpose.encode()),
            enc.field(draw.encode()),
            enc.field(bytes(32)),
            enc.field(enc.field(enc.uint(len(stanzas), 32)) + b"".join(stanzas)),
        ]
    )


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (_header(suite=2), "not a tender-beacon/v1/envelope header of suite 1"),
        (_header(purpose="bid", draw="JS-1"), "bad purpose or draw id"),
        (
            _header(stanzas=[_stanza("agent", 1), _stanza("agent", 3), _stanza("centre", 2)]),
            "stanzas per role",
        ),
        (_header(stanzas=[_stanza("agent", 1), _stanza("centre", 1)]), "a key_id appears twice"),
        (_header(stanzas=[_stanza("agent", 1), _stanza("auditor", 2)]), "a stanza's role or sizes"),
        (_header(stanzas=[_stanza("agent", 1)]), "not 2–16 stanzas"),
        (_header()[:-50], "runs past the end"),
    ],
    ids=[
        "suite",
        "bid-with-draw",
        "two-agent-stanzas-in-a-seed",
        "shared-key",
        "unknown-role",
        "one-stanza",
        "truncated",
    ],
)
def test_malformed_headers(data: bytes, match: str):
    with pytest.raises(CheckFailed, match=match) as failure:
        envelope.parse_header(data)
    assert failure.value.code == "header-malformed"


def test_a_well_formed_header_parses():
    assert envelope.parse_header(_header()).purpose == "seed"
    assert envelope.parse_header(_seed_envelope()).envelope_id == "seed-7"


def test_a_missing_share_is_the_releasing_partys(tmp_path: Path):
    v = json.loads(
        (Path(__file__).parents[1] / "vectors" / "envelope" / "valid-seed.json").read_text()
    )
    agent = envelope.load_private(bytes.fromhex(v["keys"]["A1"]["private_key_pkcs8"]), "A1")
    with pytest.raises(CheckFailed, match="a share is missing") as failure:
        envelope.open_envelope(_seed_envelope(), {"agent": agent, "centre": None})
    assert failure.value.code == "share-missing"


# -- §11.4 Baillie–PSW -------------------------------------------------------------------------

# OEIS A001262 (strong pseudoprimes to base 2) and A217255 (strong Lucas pseudoprimes with
# Selfridge's parameters): each fools one half of Baillie–PSW, none both.
A001262 = [
    2047,
    3277,
    4033,
    4681,
    8321,
    15841,
    29341,
    42799,
    49141,
    52633,
    65281,
    74665,
    80581,
    85489,
    88357,
    90751,
]
A217255 = [5459, 5777, 10877, 16109, 18971, 22499, 24569, 25199, 40309, 58519, 75077, 97439]
CARMICHAEL = [561, 1105, 1729, 2465, 2821, 6601, 8911, 10585, 15841, 29341]  # OEIS A002997
PRIMES = [
    2,
    3,
    997,
    1009,
    2**61 - 1,
    2**127 - 1,
    2**255 - 19,
    2**256 - 2**224 + 2**192 + 2**96 - 1,
]  # Mersenne, 25519, P-256


@pytest.mark.parametrize(
    "n",
    A001262
    + A217255
    + CARMICHAEL
    + [p * q for p in PRIMES[4:6] for q in PRIMES[5:7]]
    + [1, 0, 4, 1009**2],
    ids=str,
)
def test_bpsw_rejects_pseudoprimes_and_composites(n: int):
    assert not vdf.bpsw(n)


@pytest.mark.parametrize("n", PRIMES, ids=lambda n: f"{n.bit_length()}-bit")
def test_bpsw_accepts_primes(n: int):
    assert vdf.bpsw(n)


def test_bpsw_agrees_with_gmp_on_random_odd_numbers():
    gmpy2 = pytest.importorskip("gmpy2", reason="gmp is the second implementation compared here")
    rng = random.Random(11)
    for _ in range(3000):
        n = rng.getrandbits(rng.choice([16, 64, 256])) | 1
        assert vdf.bpsw(n) == bool(gmpy2.is_prime(n, 50)), n


# -- both arithmetic paths on a whole bundle -------------------------------------------------


def test_a_bundle_verifies_on_the_pure_python_path(drawn: Served, pure_python: None):
    report = verify_bundle(drawn.bundle)
    assert report.valid
    assert "verified with python" in next(c.detail for c in report.checks if c.name == "vdf")


def test_the_command_runs_without_gmpy2_and_without_the_service(drawn: Served, tmp_path: Path):
    """As on a bidder's machine with only cryptography: gmpy2 and the service's packages unimportable."""
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(drawn.bundle))
    blocked = "gmpy2", "beacon", "flask", "sqlalchemy", "numpy", "click"
    code = f"import sys; sys.modules.update(dict.fromkeys({blocked!r})); from verifier.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "draw", str(proof), "--anchors", str(drawn.ca_pem)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "verified with python" in done.stdout and done.stdout.endswith("VALID\n")
