"""Definitions (§5) and signed statements (§6) from their JSON, re-encoded to canonical bytes.

Each codec takes a JSON value and its field path and returns the typed value and its
field bytes; a record is a table of codecs, so the field order is the spec's table.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verifier import encoding as enc
from verifier.errors import ParseError

Codec = Callable[[Any, str], tuple[Any, bytes]]

ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"  # §5.1 draw and tender ids
ID_VALUE = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"  # §5.1 id candidates, §6.1 tender_id, §9.2
CODE = r"[A-Z][A-Z0-9_]{0,15}"
DECIMAL = r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?"  # §5.2
ROLES = ("centre", "agent", "bidder", "supervisor", "beacon")
ALGORITHMS = (
    "ed25519",
    "ecdsa-p256-sha256",
    "ecdsa-p384-sha384",
    "rsa-pkcs1v15-sha256",
    "rsa-pss-sha256",
)


def _path(name: str, key: str) -> str:
    return f"{name}.{key}" if name else key


def _fields(
    spec: tuple[tuple[str, Codec], ...], doc: Any, name: str
) -> tuple[dict[str, Any], bytes]:
    enc.members(doc, name or "document", tuple(k for k, _ in spec))
    value: dict[str, Any] = {}
    raw = []
    for key, codec in spec:
        value[key], b = codec(doc[key], _path(name, key))
        raw.append(b)
    return value, b"".join(raw)


def record(*spec: tuple[str, Codec], tag: str = "") -> Codec:
    """A nested record: its fields (after its tag, if tagged), framed as one field (§2.1)."""
    head = enc.field(tag.encode()) if tag else b""

    def parse(doc: Any, name: str) -> tuple[dict[str, Any], bytes]:
        value, content = _fields(spec, doc, name)
        return value, enc.field(head + content)

    return parse


def listof(codec: Codec, *, limit: int = 1 << 32) -> Codec:
    def parse(doc: Any, name: str) -> tuple[list[Any], bytes]:
        if not isinstance(doc, list) or len(doc) > limit:
            raise ParseError(name, f"expected a list of at most {limit} items")
        pairs = [codec(v, f"{name}[{i}]") for i, v in enumerate(doc)]
        return [v for v, _ in pairs], enc.field(
            enc.field(enc.uint(len(pairs), 32)) + b"".join(b for _, b in pairs)
        )

    return parse


def raw(size: int | None = None) -> Codec:
    return lambda v, n: (lambda b: (b, enc.field(b)))(enc.hexbytes(v, n, size))


def maybe32(v: Any, n: str) -> tuple[bytes, bytes]:
    b = enc.hexbytes(v, n)
    if len(b) not in (0, 32):
        raise ParseError(n, f"expected 32 bytes or none, got {len(b)}")
    return b, enc.field(b)


def uint(bits: int) -> Codec:
    return lambda v, n: (lambda x: (x, enc.field(enc.uint(x, bits))))(enc.integer(v, n, bits))


def text(pattern: str | None = None, max_bytes: int = 1 << 32) -> Codec:
    def parse(v: Any, n: str) -> tuple[str, bytes]:
        b = enc.text(enc.string(v, n, pattern))
        if len(b) > max_bytes:
            raise ParseError(n, f"longer than {max_bytes} bytes")
        return v, enc.field(b)

    return parse


def boolean(v: Any, n: str) -> tuple[bool, bytes]:
    if not isinstance(v, bool):
        raise ParseError(n, f"expected true or false, got {v!r}")
    return v, enc.field(bytes([v]))


def time(v: Any, n: str) -> tuple[int, bytes]:
    ms = enc.timestamp(v, n)
    return ms, enc.field(enc.uint(ms, 64))


# -- §5.1 definitions --------------------------------------------------------------------

SELECTION = (
    ("code", text(CODE)),
    ("label", text()),
    ("kind", text("pick_one|pick_k|permutation")),
    ("k", uint(32)),
    ("value_type", text("decimal|id")),
    ("unit", text()),
    ("from_snapshot", boolean),
    ("candidates", listof(text(), limit=10_000)),
)
DERIVED = (("code", text(CODE)), ("label", text()), ("formula", text()), ("unit", text()))


DEADLINES = ("commit", "snapshot", "reveal", "seed_open", "result")


def _deadlines(v: Any, n: str) -> tuple[dict[str, int], bytes]:
    doc = enc.members(v, n, DEADLINES)
    out = {
        k: 0 if k == "snapshot" and doc[k] is None else enc.timestamp(doc[k], f"{n}.{k}")
        for k in doc
    }
    # §5.1 fields 10–14 sit inline in the definition record, not as a nested record.
    return out, b"".join(enc.field(enc.uint(out[k], 64)) for k in DEADLINES)


def _redraw_of(v: Any, n: str) -> tuple[str, bytes]:
    s = "" if v is None else enc.string(v, n, ID)  # the JSON form of the empty text is null
    return s, enc.field(s.encode())


DEFINITION = (
    ("suite", uint(16)),
    ("draw_id", text(ID)),
    ("tender_id", text(ID)),
    ("section", text()),
    ("title", text()),
    ("regime", text("before_opening|after_opening")),
    ("selections", listof(record(*SELECTION, tag="tender-beacon/v1/selection"), limit=32)),
    ("derived", listof(record(*DERIVED, tag="tender-beacon/v1/derived"), limit=32)),
    ("deadlines", _deadlines),
    ("dispute_window_ms", uint(64)),
    ("vdf_t", uint(64)),
    ("vdf_rate", uint(64)),
    ("vdf_advantage", uint(32)),
    ("redraw_of", _redraw_of),
)


def _printable(s: str, name: str) -> None:
    if not 1 <= len(s) <= 200 or not s.isprintable():
        raise ParseError(name, "expected 1–200 printable characters")


def _unit(s: str, name: str) -> None:
    if s not in ("", "%", "‰") and not (len(s) <= 8 and s.isalpha()):
        raise ParseError(name, f"unit {s!r} is not empty, up to 8 letters, % or ‰")


def parse_definition(doc: Any, name: str = "") -> tuple[dict[str, Any], bytes]:
    """Validate a definition's JSON (§5) and return it with its canonical bytes.

    Errors name the field by its path below ``name`` (``selections[0].candidates[1]``).
    """
    try:
        return _definition(doc)
    except ParseError as e:
        raise ParseError(_path(name, e.field), str(e).split(": ", 1)[1]) from e


def _definition(doc: Any) -> tuple[dict[str, Any], bytes]:
    d, body = _fields(DEFINITION, doc, "")
    if d["suite"] != 1:
        raise ParseError("suite", f"unknown suite {d['suite']} (§2.5: only 1)")
    _printable(d["section"], "section")
    _printable(d["title"], "title")
    if not d["selections"]:
        raise ParseError("selections", "at least one selection")
    codes: set[str] = set()
    for i, s in enumerate(d["selections"] + d["derived"]):
        name = (
            f"selections[{i}]"
            if i < len(d["selections"])
            else f"derived[{i - len(d['selections'])}]"
        )
        if s["code"] in codes:
            raise ParseError(f"{name}.code", f"code {s['code']} appears twice")
        codes.add(s["code"])
        _unit(s["unit"], f"{name}.unit")
        if "kind" in s:
            _selection(s, name, d["regime"])
    for i, x in enumerate(d["derived"]):
        derived_operands(x["formula"], d["selections"], f"derived[{i}].formula")
    dl = d["deadlines"]
    order = list(DEADLINES)
    if not any(s["from_snapshot"] for s in d["selections"]):
        if dl["snapshot"]:
            raise ParseError("deadlines.snapshot", "must be null without a snapshot selection")
        order.remove("snapshot")
    for a, b in itertools.pairwise(order):
        if dl[b] <= dl[a]:
            raise ParseError(f"deadlines.{b}", f"must be after the {a} deadline (§5.4)")
    if d["dispute_window_ms"] == 0:
        raise ParseError("dispute_window_ms", "must be positive")
    if not 1 <= d["vdf_t"] <= 1 << 40:
        raise ParseError("vdf_t", f"{d['vdf_t']} is outside [1, 2^40]")
    if not 1 <= d["vdf_rate"] <= 1 << 40:
        raise ParseError("vdf_rate", f"{d['vdf_rate']} is outside [1, 2^40]")
    if not 1 <= d["vdf_advantage"] <= 1 << 20:
        raise ParseError("vdf_advantage", f"{d['vdf_advantage']} is outside [1, 2^20]")
    _delay(d)
    return d, enc.field(b"tender-beacon/v2/definition") + body


def _delay(d: dict[str, Any]) -> None:
    """§11.5: T covers the exposure W = seed_open − commit at A_max times the published
    speed s, and the result deadline leaves the honest evaluator 5/4 of T/s."""
    dl, t, s, a = d["deadlines"], d["vdf_t"], d["vdf_rate"], d["vdf_advantage"]
    w_ms = dl["seed_open"] - dl["commit"]
    needed = -(-a * s * w_ms // 1000)
    if t < needed:
        raise ParseError(
            "vdf_t",
            f"T = {t} is below A_max · s · W = {a} · {s}/s · {w_ms / 1000:g} s = {needed} (§11.5)",
        )
    evaluation = -(-t * 1000 * 5 // (s * 4))
    if dl["result"] < dl["seed_open"] + evaluation:
        raise ParseError(
            "deadlines.result",
            f"{enc.format_time(dl['result'])} is earlier than seed_open + 5/4 · T/s = "
            f"{enc.format_time(dl['seed_open'] + evaluation)} (§11.5)",
        )


def _selection(s: dict[str, Any], name: str, regime: str) -> None:
    n, k, cands = len(s["candidates"]), s["k"], s["candidates"]
    if s["from_snapshot"]:
        if cands or s["value_type"] != "id" or regime != "after_opening":
            raise ParseError(
                f"{name}.candidates", "a snapshot selection has no candidates, ids, after_opening"
            )
    elif not cands:
        raise ParseError(f"{name}.candidates", "expected 1–10,000 candidates")
    pattern = DECIMAL if s["value_type"] == "decimal" else ID_VALUE
    seen: dict[object, int] = {}
    for i, c in enumerate(cands):
        enc.string(c, f"{name}.candidates[{i}]", pattern)
        # §5.1: decimals are distinct by value, so "0.65" and "0.650" cannot both appear.
        key = _value(c) if s["value_type"] == "decimal" else c
        if key in seen:
            j = seen[key]
            raise ParseError(
                f"{name}.candidates[{i}]",
                f"{c!r} appears twice"
                if c == cands[j]
                else f"{c!r} has the value of candidates[{j}] {cands[j]!r} (§5.1: equal values)",
            )
        seen[key] = i
    kind = s["kind"]
    fits = k <= n or s["from_snapshot"]
    if not (
        (kind == "pick_one" and k == 1)
        or (kind == "pick_k" and k >= 1 and fits)
        or (kind == "permutation" and k == 0)
    ):
        raise ParseError(f"{name}.k", f"k = {k} does not fit {s['kind']} over {n} candidates")


def _value(s: str) -> Fraction:
    """The number an exact decimal string stands for: ``"0.65"`` and ``"0.650"`` are equal."""
    v, scale = _decimal(s)
    return Fraction(v, 10**scale)


def _decimal(s: str) -> tuple[int, int]:
    """An exact decimal string as (integer, scale): ``"0.950"`` is (950, 3)."""
    sign = -1 if s.startswith("-") else 1
    whole, _, frac = s.lstrip("-").partition(".")
    return sign * int(whole + frac), len(frac)


def derived_operands(
    formula: str, selections: list[dict[str, Any]], name: str
) -> tuple[str, str, str]:
    """``(a, op, b)`` of a derived formula, one a pick_one decimal code, one a constant (§5.1)."""
    parts = formula.split(" ")
    codes = {
        s["code"]
        for s in selections
        if s["kind"] == "pick_one" and s["value_type"] == "decimal" and not s["from_snapshot"]
    }
    if len(parts) != 3 or parts[1] not in "+-*" or len(parts[1]) != 1:
        raise ParseError(name, f"{formula!r} is not '<a> <op> <b>' with op + - *")
    a, op, b = parts
    if not ((a in codes and re.fullmatch(DECIMAL, b)) or (b in codes and re.fullmatch(DECIMAL, a))):
        raise ParseError(
            name, f"{formula!r} needs one pick_one decimal code and one decimal constant"
        )
    return a, op, b


def compute(a: str, op: str, b: str) -> str:
    """Exact decimal arithmetic at the scale it gives (§5.2): ``1 - 0.65`` is ``0.35``."""
    (x, sx), (y, sy) = _decimal(a), _decimal(b)
    if op == "*":
        v, scale = x * y, sx + sy
    else:
        scale = max(sx, sy)
        x, y = x * 10 ** (scale - sx), y * 10 ** (scale - sy)
        v = x + y if op == "+" else x - y
    digits = str(abs(v)).rjust(scale + 1, "0")
    body = digits[: len(digits) - scale] + ("." + digits[len(digits) - scale :] if scale else "")
    return ("-" if v < 0 else "") + body


def definition_hash(encoded: bytes) -> bytes:
    return enc.labelled("sha256", enc.DEFINITION_HASH, encoded)


# -- §6 statements -----------------------------------------------------------------------

SEED_ENTRY = (
    ("role", text("centre|agent|bidder")),
    ("fingerprint", raw(32)),
    ("status", text("included|not-revealed|envelope-invalid|key-not-released")),
    ("seed", maybe32),
)
PICK = (("code", text(CODE)), ("indexes", listof(uint(32))), ("values", listof(text())))
OPENING_STATUSES = "opened|bidder-fault|agent-key-missing|centre-key-missing|both-keys-missing"
OPENING_ENTRY = (  # §6.3 OpeningEntry
    ("envelope_id", text(ID_VALUE)),
    ("bidder", raw(32)),
    ("header_hash", raw(32)),
    ("status", text(OPENING_STATUSES)),
    ("reason", text(max_bytes=64)),
    ("plaintext_sha256", maybe32),
    ("size", uint(64)),
)
BODIES: dict[str, tuple[tuple[str, Codec], ...]] = {
    "tender.register": (
        ("role", text("centre|agent|bidder|supervisor")),
        ("fingerprint", raw(32)),
        ("certificate", raw()),  # DER of the registered certificate (§3.3)
    ),
    "draw.publish": (("definition", raw()),),
    "draw.countersign": (("definition_hash", raw(32)),),
    "draw.opening_key": (("public_key", raw()), ("possession", raw())),
    "draw.commit": (("commitment", raw(32)),),
    "envelope.submit": (
        ("envelope_id", text(ID_VALUE)),
        ("purpose", text("bid|seed")),
        ("envelope_hash", raw(32)),
        ("size", uint(64)),
    ),
    # §9.9 step 3a: a bidder replaces or withdraws its standing bid (bids only).
    "envelope.replace": (
        ("replaces", text(ID_VALUE)),
        ("envelope_id", text(ID_VALUE)),
        ("envelope_hash", raw(32)),
        ("size", uint(64)),
    ),
    "envelope.withdraw": (("envelope_id", text(ID_VALUE)),),
    "draw.freeze": (
        ("tree_size", uint(64)),
        ("root_hash", raw(32)),
        ("pulse_chain", uint(64)),
        ("pulse_index", uint(64)),
        ("commitments", listof(uint(64))),
    ),
    "draw.snapshot": (("bid_ids", listof(text(ID_VALUE))),),
    "draw.reveal": (("seed", raw(32)),),
    "draw.key_release": (("private_key", raw()),),
    "draw.result": (
        ("definition_hash", raw(32)),
        ("freeze_tree_size", uint(64)),
        ("freeze_root_hash", raw(32)),
        ("snapshot_hash", maybe32),
        ("seeds", listof(record(*SEED_ENTRY))),
        ("combined_seed", raw(64)),
        ("vdf_t", uint(64)),
        ("y", raw(256)),
        ("pi", raw(256)),
        ("output", raw(64)),
        ("picks", listof(record(*PICK))),
        ("inputs", listof(uint(64))),
    ),
    "draw.objection": (("reason", text(max_bytes=4000)),),
    "draw.confirm": (("result", raw(32)),),
    "draw.void": (("reason", text(max_bytes=4000)),),
    "tender.publish": (
        ("title", text(max_bytes=400)),
        ("bid_deadline", uint(64)),
        ("release_deadline", uint(64)),
    ),
    "tender.opening_key": (("public_key", raw()), ("possession", raw())),
    "tender.key_release": (("private_keys", listof(raw(), limit=2)),),
    "tender.opening": (
        ("tree_size", uint(64)),
        ("root_hash", raw(32)),
        ("releases", listof(uint(64), limit=2)),
        ("openings", listof(record(*OPENING_ENTRY))),
    ),
}


@dataclass(frozen=True)
class Signed:
    """A signed statement (§6.2) with its canonical bytes."""

    kind: str
    tender_id: str
    subject: str
    role: str
    actor: bytes
    issued_at: int
    body: dict[str, Any]
    statement: bytes  # encode(statement), §6.1
    algorithm: str
    signature: bytes
    certificate: bytes
    chain: tuple[bytes, ...]

    @property
    def entry(self) -> bytes:
        """The signed statement's canonical bytes: the log entry (§6.2, §13.1)."""
        head = enc.fields(
            b"tender-beacon/v1/signed-statement",
            self.statement,
            self.algorithm.encode(),
            self.signature,
            self.certificate,
        )
        return head + enc.field(enc.items(list(self.chain)))

    @property
    def hash(self) -> bytes:
        return enc.labelled("sha256", enc.STATEMENT_HASH, self.statement)


def _certificate(v: Any, n: str) -> tuple[bytes, bytes]:
    return (lambda b: (b, b""))(enc.b64(v, n))


def _chain(v: Any, n: str) -> tuple[list[bytes], bytes]:
    if not isinstance(v, list) or len(v) > 4:
        raise ParseError(n, "expected a list of at most 4 certificates")
    return [enc.b64(c, f"{n}[{i}]") for i, c in enumerate(v)], b""


def parse_signed(doc: Any, name: str = "signed_statement") -> Signed:
    """Parse a signed statement's JSON (§6.3) strictly and re-encode it."""
    outer, _ = _fields(
        (
            ("statement", lambda v, n: (v, b"")),
            ("algorithm", text("|".join(ALGORITHMS))),
            ("signature", raw()),
            ("certificate", _certificate),
            ("chain", _chain),
        ),
        doc,
        name,
    )
    n = f"{name}.statement"
    st = enc.members(
        outer["statement"],
        n,
        ("suite", "kind", "tender_id", "subject", "role", "actor", "issued_at", "nonce", "body"),
    )
    kind = enc.string(st["kind"], f"{n}.kind", "|".join(BODIES).replace(".", r"\."))
    body, body_raw = _fields(BODIES[kind], st["body"], f"{n}.body")
    head, head_raw = _fields(
        (
            ("suite", uint(16)),
            ("kind", text()),
            ("tender_id", text(ID_VALUE)),
            ("subject", text(f"({ID_VALUE})?")),
            ("role", text("|".join(ROLES))),
            ("actor", raw(32)),
            ("issued_at", time),
            ("nonce", raw(16)),
        ),
        {k: v for k, v in st.items() if k != "body"},
        n,
    )
    if head["suite"] != 1:
        raise ParseError(f"{n}.suite", f"unknown suite {head['suite']} (§2.5: only 1)")
    statement = enc.field(b"tender-beacon/v1/statement") + head_raw + enc.field(body_raw)
    return Signed(
        kind,
        head["tender_id"],
        head["subject"],
        head["role"],
        head["actor"],
        head["issued_at"],
        body,
        statement,
        outer["algorithm"],
        outer["signature"],
        outer["certificate"],
        tuple(outer["chain"]),
    )


# -- §7.6 log entries: each statement in its scope chain ---------------------------------

LOG_ENTRY = b"tender-beacon/v2/log-entry"


@dataclass(frozen=True)
class Link:
    """An entry's place in its scope chain: ``seq`` and the leaf and leaf hash before it."""

    seq: int
    previous_leaf: int
    previous_hash: bytes

    def check(self, name: str) -> None:
        first = self.seq == 0
        if first != (self.previous_hash == bytes(32)) or (first and self.previous_leaf):
            raise ParseError(
                name, "exactly the first entry of a scope (seq 0) names no previous entry"
            )


def parse_link(doc: Any, name: str) -> Link:
    d = enc.members(doc, name, ("seq", "previous_leaf", "previous_hash"))
    link = Link(
        enc.integer(d["seq"], f"{name}.seq"),
        enc.integer(d["previous_leaf"], f"{name}.previous_leaf"),
        enc.hexbytes(d["previous_hash"], f"{name}.previous_hash", 32),
    )
    # Not link.check(): a bundle's link is proven by the entry's inclusion (§14.3) and its
    # place in the draw's chain (§14.3a), which name the failure better than a parse error.
    return link


def log_entry(link: Link, signed: Signed) -> bytes:
    """The leaf entry of a statement (§7.6): the link around the signed statement's bytes."""
    return enc.fields(
        LOG_ENTRY,
        enc.uint(link.seq, 64),
        enc.uint(link.previous_leaf, 64),
        link.previous_hash,
        signed.entry,
    )


def decode_log_entry(entry: bytes) -> tuple[Link, Signed]:
    """A log entry (§7.6) decoded: its link and its signed statement."""
    r = enc.Reader(entry, "entry")
    if r.text("tag") != LOG_ENTRY.decode():
        raise ParseError("entry.tag", f"not a {LOG_ENTRY.decode()} record")
    link = Link(r.uint("seq", 64), r.uint("previous_leaf", 64), r.field("previous_hash"))
    if len(link.previous_hash) != 32:
        raise ParseError("entry.previous_hash", "expected 32 bytes")
    signed = decode_entry(r.field("statement"))
    r.end()
    link.check("entry")
    return link, signed


def decode_entry(entry: bytes) -> Signed:
    """A signed statement's bytes (§6.2) decoded; the body stays undecoded bytes."""
    r = enc.Reader(entry, "entry")
    if r.text("tag") != "tender-beacon/v1/signed-statement":
        raise ParseError("entry.tag", "not a tender-beacon/v1/signed-statement")
    statement, algorithm = r.field("statement"), r.text("algorithm")
    signature, certificate, chain = r.field("signature"), r.field("certificate"), r.items("chain")
    r.end()
    s = enc.Reader(statement, "entry.statement")
    if s.text("tag") != "tender-beacon/v1/statement" or s.uint("suite", 16) != 1:
        raise ParseError("entry.statement", "not a tender-beacon/v1/statement of suite 1")
    kind, tender, subject, role = (s.text(k) for k in ("kind", "tender_id", "subject", "role"))
    actor, issued_at, nonce, body = (
        s.field("actor"),
        s.uint("issued_at", 64),
        s.field("nonce"),
        s.field("body"),
    )
    s.end()
    if len(actor) != 32 or len(nonce) != 16 or len(chain) > 4:
        raise ParseError("entry.statement", "actor, nonce or chain of the wrong size")
    return Signed(
        kind,
        tender,
        subject,
        role,
        actor,
        issued_at,
        {"bytes": body},
        statement,
        algorithm,
        signature,
        certificate,
        tuple(chain),
    )
