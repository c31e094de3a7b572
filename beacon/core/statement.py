"""Signed statements (PROTOCOL.md §6): every state change is one.

A statement is a tagged record

    tag "tender-beacon/v1/statement", suite u16, kind, tender_id, subject, role,
    actor (certificate fingerprint, 32 bytes), issued_at u64 ms, nonce (16 bytes),
    body (the kind's own record)

signed by the actor's certificate key over ``F(label statement-signature) ‖
encode(statement)``. The signed statement (statement, algorithm, signature,
certificate DER, intermediate DERs) is what the transparency log stores as a leaf.

Bodies are declared once, as a table of typed fields per kind (:data:`BODIES`);
the same table drives the canonical encoding, the strict decoder and the JSON
presentation, so the three can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from beacon.core import labels, signature
from beacon.core import presentation as pres
from beacon.core.commitment import Party, SeedEntry, SeedStatus
from beacon.core.encoding import Reader, Writer, sha256_fields
from beacon.core.opening import OpeningEntry, OpeningStatus
from beacon.core.selection import Pick
from beacon.core.timefmt import format_ms, parse_ms
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import EncodingError, VerificationError

SUITE: Final = 1
NONCE_BYTES: Final = 16
MAX_CHAIN: Final = 4
MAX_CERT_BYTES: Final = 16 * 1024
ROLES: Final = tuple(Role)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

FieldType = Literal[
    "str",
    "text",
    "b32",
    "bytes",
    "u32",
    "u64",
    "str_list",
    "b32_list",
    "u64_list",
    "seeds",
    "picks",
    "bytes_list",
    "openings",
]


@dataclass(frozen=True)
class BodyField:
    name: str
    type: FieldType
    max_size: int = 4096  # bytes for str/text/bytes, items for lists


def _f(name: str, type_: FieldType, max_size: int = 4096) -> BodyField:
    return BodyField(name, type_, max_size)


# PROTOCOL.md §6.3: the body of each statement kind, in encoding order. "str" is an
# identifier-like string, "text" free text, "b32" exactly 32 bytes.
BODIES: Final[Mapping[str, tuple[BodyField, ...]]] = {
    # Binds a certificate to a role for one tender (§3.3): the beacon registers centre
    # operators and supervisors; a registered centre registers the agent and bidders.
    # The certificate itself travels with its fingerprint, so that anyone can check it was
    # valid, under the anchors and of a party's profile when it was registered.
    StatementKind.TENDER_REGISTER: (
        _f("role", "str"),
        _f("fingerprint", "b32"),
        _f("certificate", "bytes", MAX_CERT_BYTES),
    ),
    # The agent publishes a definition; the centre countersigns its hash.
    StatementKind.DRAW_PUBLISH: (_f("definition", "bytes", 1 << 20),),
    StatementKind.DRAW_COUNTERSIGN: (_f("definition_hash", "b32"),),
    # Per-draw opening keys for the bidder seed envelopes (§9): SEC1 uncompressed P-256,
    # with the key's own signature proving its announcer holds it (§9.3).
    StatementKind.DRAW_OPENING_KEY: (_f("public_key", "bytes", 133), _f("possession", "bytes", 72)),
    StatementKind.DRAW_COMMIT: (_f("commitment", "b32"),),
    StatementKind.DRAW_REVEAL: (_f("seed", "b32"),),
    # The beacon freezes the commitment set at the first pulse at/after the commit deadline.
    StatementKind.DRAW_FREEZE: (
        _f("tree_size", "u64"),
        _f("root_hash", "b32"),
        _f("pulse_chain", "u64"),
        _f("pulse_index", "u64"),
        _f("commitments", "u64_list", 1 << 16),
    ),
    # The agent's signed list of valid bid ids, sorted, for draws among bids.
    StatementKind.DRAW_SNAPSHOT: (_f("bid_ids", "str_list", 1 << 16),),
    # Release of a party's per-draw opening key (PKCS#8 DER), after both reveals.
    StatementKind.DRAW_KEY_RELEASE: (_f("private_key", "bytes", 512),),
    # The beacon's result: everything the draw computed (§10-§12).
    StatementKind.DRAW_RESULT: (
        _f("definition_hash", "b32"),
        _f("freeze_tree_size", "u64"),
        _f("freeze_root_hash", "b32"),
        _f("snapshot_hash", "bytes", 32),
        _f("seeds", "seeds", 1 << 16),
        _f("combined_seed", "bytes", 64),
        _f("vdf_t", "u64"),
        _f("y", "bytes", 256),
        _f("pi", "bytes", 256),
        _f("output", "bytes", 64),
        _f("picks", "picks", 64),
        # The leaf indexes of the snapshot, reveals and key releases the seeds come from,
        # as draw.freeze lists the commitments: a bundle cannot leave one out unseen.
        _f("inputs", "u64_list", 1 << 16),
    ),
    StatementKind.DRAW_OBJECTION: (_f("reason", "text", 4000),),
    StatementKind.DRAW_CONFIRM: (_f("result", "b32"),),
    StatementKind.DRAW_VOID: (_f("reason", "text", 4000),),
    # The bid opening (§9.9): the agent fixes the bid and release deadlines, both parties
    # announce per-tender opening keys and, after the closing pulse, release every one of
    # them (PKCS#8 DER) in one statement each; the beacon logs the outcome of every
    # frozen bid envelope.
    StatementKind.TENDER_PUBLISH: (
        _f("title", "text", 400),
        _f("bid_deadline", "u64"),
        _f("release_deadline", "u64"),
    ),
    StatementKind.TENDER_OPENING_KEY: (_f("public_key", "bytes", 133), _f("possession", "bytes", 72)),
    StatementKind.TENDER_KEY_RELEASE: (_f("private_keys", "bytes_list", 2),),
    StatementKind.TENDER_OPENING: (
        _f("tree_size", "u64"),
        _f("root_hash", "b32"),
        # The leaf indexes of the key releases it opened with, as draw.result's inputs.
        _f("releases", "u64_list", 2),
        _f("openings", "openings", 100_000),
    ),
    # A bidder's sealed envelope (bid or draw seed), identified by the hash of its bytes.
    StatementKind.ENVELOPE_SUBMIT: (
        _f("envelope_id", "str"),
        _f("purpose", "str"),
        _f("envelope_hash", "b32"),
        _f("size", "u64"),
    ),
    # Before the bid deadline a bidder may put a new bid envelope in place of its standing
    # bid, or withdraw it (§9.9 step 3a); bids only: a seed envelope is a commitment.
    StatementKind.ENVELOPE_REPLACE: (
        _f("replaces", "str"),
        _f("envelope_id", "str"),
        _f("envelope_hash", "b32"),
        _f("size", "u64"),
    ),
    StatementKind.ENVELOPE_WITHDRAW: (_f("envelope_id", "str"),),
}
KINDS: Final = tuple(BODIES)


def _check_id(value: str, what: str, *, allow_empty: bool = False) -> None:
    if allow_empty and value == "":
        return
    if not _ID.fullmatch(value):
        raise EncodingError(f"statement.{what}: {value!r} is not a valid identifier", field=what)


def encode_body(kind: str, body: Mapping[str, Any]) -> bytes:
    spec = _spec(kind)
    if set(body) != {f.name for f in spec}:
        raise EncodingError(
            f"{kind} body: expected fields {[f.name for f in spec]}, got {sorted(body)}"
        )
    w = Writer()
    for f in spec:
        value = body[f.name]
        match f.type:
            case "str" | "text":
                w.str(value)
            case "b32":
                if len(value) != 32:
                    raise EncodingError(
                        f"{kind}.{f.name}: expected 32 bytes, got {len(value)}", field=f.name
                    )
                w.bytes(value)
            case "bytes":
                w.bytes(value)
            case "u32":
                w.u32(value)
            case "u64":
                w.u64(value)
            case "str_list":
                w.str_list(value)
            case "b32_list":
                w.list(value, Writer.bytes)
            case "u64_list":
                w.list(value, Writer.u64)
            case "seeds":
                w.list(value, lambda w, e: w.record(e.encode()))
            case "bytes_list":
                w.list(value, Writer.bytes)
            case "picks" | "openings":
                w.list(value, lambda w, p: w.record(p.encode()))
    return w.finish()


def decode_body(kind: str, data: bytes) -> dict[str, Any]:
    spec = _spec(kind)
    r = Reader(data, what=kind)
    out: dict[str, Any] = {}
    for f in spec:
        match f.type:
            case "str":
                out[f.name] = r.str(f.name, max_size=64)
                _check_id(out[f.name], f"{kind}.{f.name}")
            case "text":
                out[f.name] = r.str(f.name, max_size=f.max_size)
            case "b32":
                out[f.name] = r.bytes(f.name, size=32)
            case "bytes":
                out[f.name] = r.bytes(f.name, max_size=f.max_size)
            case "u32":
                out[f.name] = r.u32(f.name)
            case "u64":
                out[f.name] = r.u64(f.name)
            case "str_list":
                out[f.name] = tuple(r.str_list(f.name, max_items=f.max_size, max_size=64))
            case "b32_list":
                out[f.name] = tuple(
                    r.list(f.name, lambda r, i: r.bytes(str(i), size=32), max_items=f.max_size)
                )
            case "u64_list":
                out[f.name] = tuple(
                    r.list(f.name, lambda r, i: r.u64(str(i)), max_items=f.max_size)
                )
            case "seeds":
                out[f.name] = tuple(
                    r.list(
                        f.name, lambda r, i: SeedEntry.read(r.record(str(i))), max_items=f.max_size
                    )
                )
            case "picks":
                out[f.name] = tuple(
                    r.list(f.name, lambda r, i: Pick.read(r.record(str(i))), max_items=f.max_size)
                )
            case "bytes_list":
                out[f.name] = tuple(
                    r.list(f.name, lambda r, i: r.bytes(str(i), max_size=512), max_items=f.max_size)
                )
            case "openings":
                out[f.name] = tuple(
                    r.list(
                        f.name,
                        lambda r, i: OpeningEntry.read(r.record(str(i))),
                        max_items=f.max_size,
                    )
                )
    r.done()
    return out


def body_to_json(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in _spec(kind):
        value = body[f.name]
        if f.type in ("b32", "bytes"):
            out[f.name] = value.hex()
        elif f.type in ("b32_list", "bytes_list"):
            out[f.name] = [v.hex() for v in value]
        elif f.type in ("str_list", "u64_list"):
            out[f.name] = list(value)
        elif f.type in ("seeds", "picks", "openings"):
            out[f.name] = [v.to_dict() for v in value]
        else:
            out[f.name] = value
    return out


def body_from_json(kind: str, doc: object) -> dict[str, Any]:
    spec = _spec(kind)
    if not isinstance(doc, dict) or set(doc) != {f.name for f in spec}:
        got = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise EncodingError(
            f"{kind} body: expected exactly the fields {[f.name for f in spec]}, got {got}"
        )
    out: dict[str, Any] = {}
    for f in spec:
        value = doc[f.name]
        where = f"{kind}.{f.name}"
        if f.type in ("b32", "bytes"):
            out[f.name] = _hex(value, where)
        elif f.type in ("b32_list", "bytes_list"):
            out[f.name] = tuple(_hex(v, where) for v in _json_list(value, where))
        elif f.type in ("str", "text"):
            if not isinstance(value, str):
                raise EncodingError(f"{where}: expected a string, got {value!r}", field=f.name)
            out[f.name] = value
        elif f.type == "str_list":
            items = _json_list(value, where)
            if not all(isinstance(v, str) for v in items):
                raise EncodingError(f"{where}: expected a list of strings", field=f.name)
            out[f.name] = tuple(items)
        elif f.type == "u64_list":
            out[f.name] = tuple(_json_int(v, where) for v in _json_list(value, where))
        elif f.type == "seeds":
            out[f.name] = tuple(_seed_from_json(v, where) for v in _json_list(value, where))
        elif f.type == "picks":
            out[f.name] = tuple(_pick_from_json(v, where) for v in _json_list(value, where))
        elif f.type == "openings":
            out[f.name] = tuple(_opening_from_json(v, where) for v in _json_list(value, where))
        else:
            out[f.name] = _json_int(value, where)
    # Round-trip through the canonical decoder: the same limits apply to JSON input.
    return decode_body(kind, encode_body(kind, out))


@dataclass(frozen=True)
class Statement:
    """The signed content of a state change (PROTOCOL.md §6.1)."""

    kind: StatementKind
    tender_id: str
    subject: str  # the draw id, envelope id, or "" for tender-level statements
    role: Role
    actor: bytes  # SHA-256 fingerprint of the signing certificate (DER)
    issued_at: int  # ms since the epoch, as claimed by the actor
    nonce: bytes  # 16 random bytes: two statements never have the same bytes
    body: Mapping[str, Any] = field(hash=False)
    suite: int = SUITE

    def __post_init__(self) -> None:
        # A caller may name the kind and role by their strings; the record holds the members.
        object.__setattr__(self, "kind", _kind(self.kind))
        _check_id(self.tender_id, "tender_id")
        _check_id(self.subject, "subject", allow_empty=True)
        object.__setattr__(self, "role", _role(self.role))
        if len(self.actor) != 32:
            raise EncodingError(
                f"statement.actor: expected a 32-byte fingerprint, got {len(self.actor)}",
                field="actor",
            )
        if len(self.nonce) != NONCE_BYTES:
            raise EncodingError(
                f"statement.nonce: expected {NONCE_BYTES} bytes, got {len(self.nonce)}",
                field="nonce",
            )

    def encode(self) -> bytes:
        w = Writer().str(labels.TAG_STATEMENT).u16(self.suite).str(self.kind).str(self.tender_id)
        w.str(self.subject).str(self.role).bytes(self.actor).u64(self.issued_at).bytes(self.nonce)
        return w.record(encode_body(self.kind, self.body)).finish()

    @classmethod
    def decode(cls, data: bytes) -> Statement:
        return cls._read(Reader(data, what="statement"), whole=True)

    @classmethod
    def _read(cls, r: Reader, *, whole: bool) -> Statement:
        r.tag(labels.TAG_STATEMENT)
        suite = r.u16("suite")
        if suite != SUITE:
            raise EncodingError(
                f"statement.suite: unsupported suite {suite}, expected {SUITE}", field="suite"
            )
        kind = r.str("kind", max_size=64)
        if kind not in BODIES:
            raise EncodingError(f"statement.kind: unknown kind {kind!r}", field="kind")
        st = cls(
            kind=StatementKind(kind),
            tender_id=r.str("tender_id", max_size=64),
            subject=r.str("subject", max_size=64),
            role=_role(r.str("role", max_size=32)),
            actor=r.bytes("actor", size=32),
            issued_at=r.u64("issued_at"),
            nonce=r.bytes("nonce", size=NONCE_BYTES),
            body=decode_body(kind, r.bytes("body", max_size=2 << 20)),
        )
        if whole:
            r.done()
        return st

    def signing_message(self) -> bytes:
        """The exact bytes the actor signs (§6.2)."""
        return Writer().str(labels.STATEMENT_SIGNATURE).finish() + self.encode()

    def hash(self) -> bytes:
        """The statement id: SHA-256 with label ``statement-hash`` (§6.1)."""
        return sha256_fields(labels.STATEMENT_HASH, self.encode())

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "kind": self.kind,
            "tender_id": self.tender_id,
            "subject": self.subject,
            "role": self.role,
            "actor": self.actor.hex(),
            "issued_at": format_ms(self.issued_at),
            "nonce": self.nonce.hex(),
            "body": body_to_json(self.kind, self.body),
        }

    @classmethod
    def from_dict(cls, doc: object) -> Statement:
        d = _exact(
            doc,
            "statement",
            (
                "suite",
                "kind",
                "tender_id",
                "subject",
                "role",
                "actor",
                "issued_at",
                "nonce",
                "body",
            ),
        )
        if pres.integer(d, "suite", "statement", bits=16) != SUITE:
            raise EncodingError(
                f"statement.suite: unsupported suite {d['suite']!r}, expected {SUITE}",
                field="suite",
            )
        kind = d["kind"]
        if not isinstance(kind, str) or kind not in BODIES:
            raise EncodingError(f"statement.kind: unknown kind {kind!r}", field="kind")
        for name in ("tender_id", "subject", "role"):
            if not isinstance(d[name], str):
                raise EncodingError(
                    f"statement.{name}: expected a string, got {d[name]!r}", field=name
                )
        return cls(
            kind=StatementKind(kind),
            tender_id=d["tender_id"],
            subject=d["subject"],
            role=_role(d["role"]),
            actor=_hex(d["actor"], "statement.actor"),
            issued_at=parse_ms(d["issued_at"], field="statement.issued_at"),
            nonce=_hex(d["nonce"], "statement.nonce"),
            body=body_from_json(kind, d["body"]),
        )


@dataclass(frozen=True)
class SignedStatement:
    """A statement with its signature and the certificate (and chain) that made it."""

    statement: Statement
    algorithm: str
    signature: bytes
    certificate: bytes  # DER of the end-entity certificate
    chain: tuple[bytes, ...] = ()  # DER of intermediates, leaf-side first

    def encode(self) -> bytes:
        w = Writer().str(labels.TAG_SIGNED_STATEMENT).record(self.statement.encode())
        w.str(self.algorithm).bytes(self.signature).bytes(self.certificate)
        return w.list(self.chain, Writer.bytes).finish()

    @classmethod
    def decode(cls, data: bytes) -> SignedStatement:
        r = Reader(data, what="signed_statement")
        r.tag(labels.TAG_SIGNED_STATEMENT)
        statement = Statement._read(r.record("statement"), whole=True)
        signed = cls(
            statement=statement,
            algorithm=r.str("algorithm", max_size=64),
            signature=r.bytes("signature", max_size=1024),
            certificate=r.bytes("certificate", max_size=MAX_CERT_BYTES),
            chain=tuple(
                r.list(
                    "chain",
                    lambda r, i: r.bytes(str(i), max_size=MAX_CERT_BYTES),
                    max_items=MAX_CHAIN,
                )
            ),
        )
        r.done()
        return signed

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement.to_dict(),
            "algorithm": self.algorithm,
            "signature": self.signature.hex(),
            "certificate": pres.b64(self.certificate),
            "chain": [pres.b64(c) for c in self.chain],
        }

    @classmethod
    def from_dict(cls, doc: object) -> SignedStatement:
        d = _exact(
            doc, "signed_statement", ("statement", "algorithm", "signature", "certificate", "chain")
        )
        if not isinstance(d["algorithm"], str):
            raise EncodingError("signed_statement.algorithm: expected a string", field="algorithm")
        return cls(
            statement=Statement.from_dict(d["statement"]),
            algorithm=d["algorithm"],
            signature=_hex(d["signature"], "signed_statement.signature"),
            certificate=pres.b64_bytes(d["certificate"], "signed_statement.certificate"),
            chain=tuple(
                pres.b64_bytes(c, "signed_statement.chain")
                for c in _json_list(d["chain"], "signed_statement.chain")
            ),
        )


# -- strict JSON helpers -----------------------------------------------------------------


def _role(role: str) -> Role:
    if role not in ROLES:
        raise EncodingError(
            f"statement.role: {role!r} is not one of {', '.join(ROLES)}", field="role"
        )
    return Role(role)


def _kind(kind: str) -> StatementKind:
    try:
        return StatementKind(kind)
    except ValueError:
        raise EncodingError(f"unknown statement kind {kind!r}", field="kind") from None


def _spec(kind: str) -> tuple[BodyField, ...]:
    try:
        return BODIES[kind]
    except KeyError:
        raise EncodingError(f"unknown statement kind {kind!r}", field="kind") from None


def _seed_from_json(doc: object, where: str) -> SeedEntry:
    d = _exact(doc, where, ("role", "fingerprint", "status", "seed"))
    try:
        status = SeedStatus(d["status"])
    except ValueError:
        raise EncodingError(
            f"{where}.status: {d['status']!r} is not one of {[s.value for s in SeedStatus]}"
        ) from None
    if not isinstance(d["role"], str):
        raise EncodingError(f"{where}.role: expected a string", field="role")
    return SeedEntry(
        Party(d["role"], _hex(d["fingerprint"], f"{where}.fingerprint")),
        status,
        _hex(d["seed"], f"{where}.seed"),
    )


def _pick_from_json(doc: object, where: str) -> Pick:
    d = _exact(doc, where, ("code", "indexes", "values"))
    indexes = tuple(
        _json_int(i, f"{where}.indexes") for i in _json_list(d["indexes"], f"{where}.indexes")
    )
    values = _json_list(d["values"], f"{where}.values")
    if not isinstance(d["code"], str) or not all(isinstance(v, str) for v in values):
        raise EncodingError(f"{where}: code and values must be strings")
    return Pick(d["code"], indexes, tuple(values))


def _json_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise EncodingError(f"{where}: expected an unsigned integer, got {value!r}", field=where)
    return value


def verify_signature(signed: SignedStatement) -> None:
    """The signature is by the certificate the statement names (§6.2).

    Chain and role checks are the identity layer's; this checks that
    ``actor`` is the certificate's fingerprint and the signature verifies.
    """
    if signature.fingerprint(signed.certificate) != signed.statement.actor:
        raise VerificationError(
            f"{signed.statement.kind}: statement.actor does not match the attached certificate's fingerprint"
        )
    try:
        signature.verify(
            signed.certificate,
            signed.algorithm,
            signed.statement.signing_message(),
            signed.signature,
        )
    except VerificationError as e:
        raise VerificationError(f"{signed.statement.kind} by {signed.statement.role}: {e}") from e


def _exact(doc: object, where: str, names: tuple[str, ...]) -> Mapping[str, Any]:
    obj = pres.as_object(doc, where)
    pres.check_members(obj, where, required=set(names))
    return obj


def _hex(value: object, where: str) -> bytes:
    return pres.hex_bytes(value, where, size=None)


def _opening_from_json(doc: object, where: str) -> OpeningEntry:
    d = _exact(
        doc,
        where,
        ("envelope_id", "bidder", "header_hash", "status", "reason", "plaintext_sha256", "size"),
    )
    try:
        status = OpeningStatus(d["status"])
    except ValueError:
        raise EncodingError(
            f"{where}.status: {d['status']!r} is not one of {[s.value for s in OpeningStatus]}"
        ) from None
    if not isinstance(d["envelope_id"], str) or not isinstance(d["reason"], str):
        raise EncodingError(f"{where}: envelope_id and reason must be strings")
    return OpeningEntry(
        d["envelope_id"],
        _hex(d["bidder"], f"{where}.bidder"),
        pres.hex_bytes(d["header_hash"], f"{where}.header_hash", size=32),
        status,
        d["reason"],
        _hex(d["plaintext_sha256"], f"{where}.plaintext_sha256"),
        _json_int(d["size"], f"{where}.size"),
    )


def _json_list(value: object, where: str) -> list[Any]:
    return pres.array(value, where, max_items=1 << 16)
