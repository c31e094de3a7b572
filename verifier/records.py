"""Signed statements (PROTOCOL.md §6) and log entries (§7.6): parsed strictly from their JSON
and re-encoded to canonical bytes, or decoded from those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier import encoding as enc
from verifier.codecs import (
    CODE,
    ID_VALUE,
    Codec,
    listof,
    maybe32,
    parse_fields,
    raw,
    record,
    text,
    time,
    uint,
)
from verifier.errors import ParseError
from verifier.vocabulary import Role, StatementKind

ALGORITHMS = (
    "ed25519",
    "ecdsa-p256-sha256",
    "ecdsa-p384-sha384",
    "rsa-pkcs1v15-sha256",
    "rsa-pss-sha256",
)


def _roles(*roles: Role) -> str:
    """The pattern of a role field that takes ``roles`` (§6.3)."""
    return "|".join(roles)


SEED_ENTRY = (
    ("role", text(_roles(Role.CENTRE, Role.AGENT, Role.BIDDER))),
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
BODIES: dict[StatementKind, tuple[tuple[str, Codec], ...]] = {
    StatementKind.TENDER_REGISTER: (
        ("role", text(_roles(Role.CENTRE, Role.AGENT, Role.BIDDER, Role.SUPERVISOR))),
        ("fingerprint", raw(32)),
        ("certificate", raw()),  # DER of the registered certificate (§3.3)
    ),
    StatementKind.DRAW_PUBLISH: (("definition", raw()),),
    StatementKind.DRAW_COUNTERSIGN: (("definition_hash", raw(32)),),
    StatementKind.DRAW_OPENING_KEY: (("public_key", raw()), ("possession", raw())),
    StatementKind.DRAW_COMMIT: (("commitment", raw(32)),),
    StatementKind.ENVELOPE_SUBMIT: (
        ("envelope_id", text(ID_VALUE)),
        ("purpose", text("bid|seed")),
        ("envelope_hash", raw(32)),
        ("size", uint(64)),
    ),
    # §9.9 step 3a: a bidder replaces or withdraws its standing bid (bids only).
    StatementKind.ENVELOPE_REPLACE: (
        ("replaces", text(ID_VALUE)),
        ("envelope_id", text(ID_VALUE)),
        ("envelope_hash", raw(32)),
        ("size", uint(64)),
    ),
    StatementKind.ENVELOPE_WITHDRAW: (("envelope_id", text(ID_VALUE)),),
    StatementKind.DRAW_FREEZE: (
        ("tree_size", uint(64)),
        ("root_hash", raw(32)),
        ("pulse_chain", uint(64)),
        ("pulse_index", uint(64)),
        ("commitments", listof(uint(64))),
    ),
    StatementKind.DRAW_SNAPSHOT: (("bid_ids", listof(text(ID_VALUE))),),
    StatementKind.DRAW_REVEAL: (("seed", raw(32)),),
    StatementKind.DRAW_KEY_RELEASE: (("private_key", raw()),),
    StatementKind.DRAW_RESULT: (
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
    StatementKind.DRAW_OBJECTION: (("reason", text(max_bytes=4000)),),
    StatementKind.DRAW_CONFIRM: (("result", raw(32)),),
    StatementKind.DRAW_VOID: (("reason", text(max_bytes=4000)),),
    StatementKind.TENDER_PUBLISH: (
        ("title", text(max_bytes=400)),
        ("bid_deadline", uint(64)),
        ("release_deadline", uint(64)),
    ),
    StatementKind.TENDER_OPENING_KEY: (("public_key", raw()), ("possession", raw())),
    StatementKind.TENDER_KEY_RELEASE: (("private_keys", listof(raw(), limit=2)),),
    StatementKind.TENDER_OPENING: (
        ("tree_size", uint(64)),
        ("root_hash", raw(32)),
        ("releases", listof(uint(64), limit=2)),
        ("openings", listof(record(*OPENING_ENTRY))),
    ),
}


@dataclass(frozen=True)
class Signed:
    """A signed statement (§6.2) with its canonical bytes."""

    kind: StatementKind
    tender_id: str
    subject: str
    role: Role
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
    outer, _ = parse_fields(
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
    kind = StatementKind(enc.string(st["kind"], f"{n}.kind", "|".join(BODIES).replace(".", r"\.")))
    body, body_raw = parse_fields(BODIES[kind], st["body"], f"{n}.body")
    head, head_raw = parse_fields(
        (
            ("suite", uint(16)),
            ("kind", text()),
            ("tender_id", text(ID_VALUE)),
            ("subject", text(f"({ID_VALUE})?")),
            ("role", text(_roles(*Role))),
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
        Role(head["role"]),
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
    # §6.3, §3.1: the beacon logs no statement of another kind or role than these.
    if kind not in set(StatementKind) or role not in set(Role):
        raise ParseError("entry.statement", f"unknown kind {kind!r} or role {role!r}")
    return Signed(
        StatementKind(kind),
        tender,
        subject,
        Role(role),
        actor,
        issued_at,
        {"bytes": body},
        statement,
        algorithm,
        signature,
        certificate,
        tuple(chain),
    )
