"""One party statement being checked and applied by the ledger, inside its transaction.

:class:`Submission` is what every handler of :mod:`beacon.service.ledger` gets;
:class:`DrawSubmission` is what the rules of a draw statement get, with the draw
already loaded, so no rule has to ask whether there is one. The checks shared by the
draw and the tender rules (envelope bytes, opening-key announcements, released keys)
live here too (PROTOCOL.md §9.3, §9.9).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from beacon.core import envelope as env
from beacon.core import possession
from beacon.core.bodies import (
    DrawOpeningKeyBody,
    EnvelopeReplaceBody,
    EnvelopeSubmitBody,
    TenderOpeningKeyBody,
)
from beacon.core.envelope.shares import load_public_key
from beacon.core.statement import SignedStatement, Statement
from beacon.core.vocabulary import StatementKind
from beacon.errors import ConflictError, InputError, VerificationError
from beacon.service.blobs import StagedBlob
from beacon.service.draws import DrawRecord
from beacon.store.draw_tables import EnvelopeRow, OpeningKeyRow
from beacon.store.statements import StatementRepository

if TYPE_CHECKING:
    from beacon.service.ledger import Ledger

# The statements that bring an envelope's bytes (POST /api/v1/envelopes).
ENVELOPE_KINDS = (StatementKind.ENVELOPE_SUBMIT, StatementKind.ENVELOPE_REPLACE)


@dataclass
class Submission:
    """One submission being checked and applied, inside its transaction."""

    session: Session
    repo: StatementRepository
    signed: SignedStatement
    now: int
    pulse_ms: int
    payload: StagedBlob | None
    # Applied in order, with the statement hash, once the statement is appended.
    effects: list[Callable[[bytes], None]] = field(default_factory=list)

    @property
    def st(self) -> Statement:
        return self.signed.statement

    def envelope(self) -> StagedBlob:
        """The uploaded envelope bytes (the ledger refuses an envelope kind without them)."""
        if self.payload is None:
            raise InputError(
                f"{self.st.kind}: an envelope submission or replacement needs the envelope bytes"
            )
        return self.payload


@dataclass
class DrawSubmission(Submission):
    """A statement about a published draw, with the draw as the log records it."""

    draw: DrawRecord = field(kw_only=True)

    @classmethod
    def of(cls, sub: Submission, draw: DrawRecord) -> DrawSubmission:
        # The same effects list: what a rule schedules is applied with the submission.
        return cls(
            sub.session, sub.repo, sub.signed, sub.now, sub.pulse_ms, sub.payload, sub.effects,
            draw=draw,
        )  # fmt: skip


Handler = Callable[["Ledger", Submission], None]
DrawRule = Callable[["Ledger", DrawSubmission], None]


def check_envelope_bytes(ledger: Ledger, ctx: Submission, purpose: str) -> env.Header:
    """Size, hash and header of an uploaded envelope against its signed submission."""
    st, blob = ctx.st, ctx.envelope()
    body = st.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody)
    # envelope.replace: bids only, so it has no purpose field.
    if isinstance(body, EnvelopeSubmitBody) and body.purpose != purpose:
        raise InputError(
            f"envelope.submit: this envelope must have purpose {purpose!r}, got {body.purpose!r}"
        )
    if blob.size > ledger.policy.max_envelope_bytes:
        raise InputError(
            f"envelope of {blob.size} bytes exceeds the limit of {ledger.policy.max_envelope_bytes}"
        )
    if blob.size != body.size or not hmac.compare_digest(blob.digest, body.envelope_hash):
        raise VerificationError(
            f"{st.kind}: the signed envelope_hash and size do not match the bytes sent"
        )
    header = env.parse_header(blob.read_bytes(limit=1 << 16))
    expected = {
        "tender_id": st.tender_id,
        "draw_id": st.subject,
        "purpose": purpose,
        "envelope_id": body.envelope_id,
    }
    for name, value in expected.items():
        if getattr(header, name) != value:
            raise InputError(
                f"envelope header {name} is {getattr(header, name)!r}, expected {value!r}",
                field=name,
            )
    if header.bidder != st.actor:
        raise InputError("envelope header names another bidder's certificate", field="bidder")
    if (
        ctx.repo.envelope(body.envelope_id) is not None
        or ctx.repo.envelope_by_hash(blob.digest) is not None
    ):
        raise ConflictError(f"envelope {body.envelope_id} was already submitted")
    return header


def store_envelope(
    ledger: Ledger, ctx: Submission, purpose: str, draw_key: str, *, version: int = 0
) -> None:
    """Schedule the envelope's row and its bytes for when the statement is appended."""
    st, blob = ctx.st, ctx.envelope()
    envelope_id = st.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody).envelope_id

    def store(h: bytes) -> None:
        ctx.repo.add_envelope(
            EnvelopeRow(
                envelope_id=envelope_id,
                tender_id=st.tender_id,
                purpose=purpose,
                draw_key=draw_key,
                bidder=st.actor,
                envelope_hash=blob.digest,
                size=blob.size,
                statement_hash=h,
                version=version,
            )
        )
        ledger.blobs.commit(blob)

    ctx.effects.append(store)


def announce_opening_key(ctx: Submission, what: str) -> None:
    """PROTOCOL.md §9.3: a proof of possession, and a key id never announced before anywhere."""
    st = ctx.st
    body = st.body_as(DrawOpeningKeyBody, TenderOpeningKeyBody)
    key = body.public_key
    possession.verify(
        key,
        body.possession,
        tender_id=st.tender_id,
        subject=st.subject,
        role=st.role,
        announcer=st.actor,
        what=what,
    )
    kid = env.key_id(load_public_key(key))
    earlier = ctx.repo.opening_key(kid)
    if earlier is not None:
        where = f"draw {earlier.subject}" if earlier.subject else "the bid opening"
        raise ConflictError(
            f"{what}: key {kid.hex()[:16]}… was already announced by the {earlier.role} for "
            f"{where} of tender {earlier.tender_id}; each announcement needs a fresh key "
            "(beacon envelope keygen)"
        )
    ctx.effects.append(
        lambda h: ctx.repo.add_opening_key(
            OpeningKeyRow(
                key_id=kid,
                tender_id=st.tender_id,
                subject=st.subject,
                role=st.role,
                statement_hash=h,
            )
        )
    )


def sealed_to(header: env.Header, role: str, keys: list[bytes]) -> None:
    have = {s.key_id for s in header.stanzas_for(role)}
    for key in keys:
        if env.key_id(load_public_key(key)) not in have:
            raise InputError(
                f"the envelope is not sealed to every announced {role} opening key", field="stanzas"
            )


def load_release_key(
    der: bytes, *, kind: str = StatementKind.DRAW_KEY_RELEASE, field: str = "private_key"
) -> ec.EllipticCurvePrivateKey:
    """A released opening key: PKCS#8 DER of a P-256 private key."""
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as e:
        raise InputError(f"{kind}: not a PKCS#8 DER private key ({e})", field=field) from e
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InputError(f"{kind}: the key must be a P-256 private key", field=field)
    return key
