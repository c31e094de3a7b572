"""Signed statements (PROTOCOL.md §6): every state change is one.

A statement is a tagged record

    tag "tender-beacon/v1/statement", suite u16, kind, tender_id, subject, role,
    actor (certificate fingerprint, 32 bytes), issued_at u64 ms, nonce (16 bytes),
    body (the kind's own record)

signed by the actor's certificate key over ``F(label statement-signature) ‖
encode(statement)``. The signed statement (statement, algorithm, signature,
certificate DER, intermediate DERs) is what the transparency log stores as a leaf.

Bodies are declared once, as one dataclass of typed fields per kind
(:mod:`beacon.core.bodies`); the same declaration drives the canonical encoding,
the strict decoder and the JSON presentation, so the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeVar, overload

from beacon.core import labels, signature
from beacon.core import presentation as pres
from beacon.core.bodies import BODY_TYPES
from beacon.core.body_wire import (
    MAX_CERT_BYTES,
    Body,
    BodyField,
    check_id,
    exact,
    hex_any,
    json_list,
)
from beacon.core.encoding import Reader, Writer, sha256_fields
from beacon.core.timefmt import format_ms, parse_ms
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import EncodingError, VerificationError

SUITE: Final = 1
NONCE_BYTES: Final = 16
MAX_CHAIN: Final = 4
ROLES: Final = tuple(Role)
__all__ = [
    "BODIES",
    "KINDS",
    "MAX_CERT_BYTES",
    "MAX_CHAIN",
    "NONCE_BYTES",
    "ROLES",
    "SUITE",
    "SignedStatement",
    "Statement",
    "body_of",
    "verify_signature",
]

# PROTOCOL.md §6.3: the body of each statement kind, in encoding order (beacon.core.bodies).
BODIES: Final[Mapping[str, tuple[BodyField, ...]]] = MappingProxyType(
    {kind: cls.spec() for kind, cls in BODY_TYPES.items()}
)
KINDS: Final = tuple(StatementKind)

_B = TypeVar("_B", bound=Body)
_C = TypeVar("_C", bound=Body)
_D = TypeVar("_D", bound=Body)


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
    body: Body = field(hash=False)
    suite: int = SUITE

    def __post_init__(self) -> None:
        # A caller may name the kind and role by their strings; the record holds the members.
        object.__setattr__(self, "kind", _kind(self.kind))
        object.__setattr__(self, "body", _body(self.kind, self.body))
        check_id(self.tender_id, "tender_id")
        check_id(self.subject, "subject", allow_empty=True)
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
        return w.record(self.body.encode()).finish()

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
            body=BODY_TYPES[StatementKind(kind)].decode(r.bytes("body", max_size=2 << 20)),
        )
        if whole:
            r.done()
        return st

    @overload
    def body_as(self, cls: type[_B], /) -> _B: ...
    @overload
    def body_as(self, cls: type[_B], other: type[_C], /) -> _B | _C: ...
    @overload
    def body_as(self, cls: type[_B], other: type[_C], third: type[_D], /) -> _B | _C | _D: ...

    def body_as(self, *classes: type[Body]) -> Body:
        """The body as the dataclass of its kind (one of ``classes``): the kind fixes the
        class, so asking for another is a programming error, refused with the kind named."""
        if not isinstance(self.body, classes):
            raise EncodingError(
                f"a {self.kind} statement has a {type(self.body).__name__} body, "
                f"not a {' or '.join(c.__name__ for c in classes)}",
                field="body",
            )
        return self.body

    def signing_message(self) -> bytes:
        """The exact bytes the actor signs (§6.2)."""
        return Writer().str(labels.STATEMENT_SIGNATURE).finish() + self.encode()

    def hash(self) -> bytes:
        """The statement id: SHA-256 with label ``statement-hash`` (§6.1)."""
        return sha256_fields(labels.STATEMENT_HASH, self.encode())

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "kind": str(self.kind),
            "tender_id": self.tender_id,
            "subject": self.subject,
            "role": str(self.role),
            "actor": self.actor.hex(),
            "issued_at": format_ms(self.issued_at),
            "nonce": self.nonce.hex(),
            "body": self.body.to_dict(),
        }

    @classmethod
    def from_dict(cls, doc: object) -> Statement:
        d = exact(
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
            actor=hex_any(d["actor"], "statement.actor"),
            issued_at=parse_ms(d["issued_at"], field="statement.issued_at"),
            nonce=hex_any(d["nonce"], "statement.nonce"),
            body=BODY_TYPES[StatementKind(kind)].from_dict(d["body"]),
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
        d = exact(
            doc, "signed_statement", ("statement", "algorithm", "signature", "certificate", "chain")
        )
        if not isinstance(d["algorithm"], str):
            raise EncodingError("signed_statement.algorithm: expected a string", field="algorithm")
        return cls(
            statement=Statement.from_dict(d["statement"]),
            algorithm=d["algorithm"],
            signature=hex_any(d["signature"], "signed_statement.signature"),
            certificate=pres.b64_bytes(d["certificate"], "signed_statement.certificate"),
            chain=tuple(
                pres.b64_bytes(c, "signed_statement.chain")
                for c in json_list(d["chain"], "signed_statement.chain")
            ),
        )


# -- strict checks ------------------------------------------------------------------------


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


def body_of(kind: str, body: Body | Mapping[str, object]) -> Body:
    """The body of a ``kind`` statement: as given, or built strictly from its fields by name."""
    return _body(_kind(kind), body)


def _body(kind: StatementKind, body: Body | Mapping[str, object]) -> Body:
    """The kind's body dataclass: as given, or built strictly from Python values by name."""
    cls = BODY_TYPES[kind]
    if isinstance(body, Mapping):
        return cls.of(body)
    if type(body) is not cls:
        raise EncodingError(
            f"{kind} body: expected a {cls.__name__}, got {type(body).__name__}", field="body"
        )
    return body


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
