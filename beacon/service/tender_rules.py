"""The ledger's rules for tender-level statements: registration (PROTOCOL.md §3.3) and
the bid opening (§9.9): its publication, opening keys, key releases and bid envelopes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beacon.core import tender
from beacon.core.bodies import (
    EnvelopeReplaceBody,
    EnvelopeWithdrawBody,
    TenderKeyReleaseBody,
    TenderPublishBody,
    TenderRegisterBody,
)
from beacon.core.envelope.shares import public_bytes
from beacon.core.signature import fingerprint
from beacon.core.vocabulary import CEREMONY_ROLES, REGISTRARS, Role, StatementKind
from beacon.errors import (
    ConflictError,
    InputError,
    RoleError,
    StateError,
    VerificationError,
)
from beacon.service.draw_rules import draw_statement
from beacon.service.submission import (
    Submission,
    announce_opening_key,
    check_envelope_bytes,
    load_release_key,
    sealed_to,
    store_envelope,
)
from beacon.service.tenders import TenderRecord, load_tender

if TYPE_CHECKING:
    from beacon.service.ledger import Ledger


def register(ledger: Ledger, ctx: Submission) -> None:
    st = ctx.st
    body = st.body_as(TenderRegisterBody)
    role, fp, der = body.role, body.fingerprint, body.certificate
    if REGISTRARS.get(role) != Role.CENTRE:
        raise RoleError(f"tender.register: a centre registers agents and bidders, not {role!r}")
    if st.role != Role.CENTRE:
        raise RoleError(f"tender.register: only a centre registers parties, not a {st.role}")
    existing = ctx.repo.role_of(st.tender_id, fp)
    if existing is not None:
        raise ConflictError(
            f"certificate {fp.hex()[:16]}… is already registered as {existing} in tender {st.tender_id}"
        )
    if fp == ledger.beacon.fingerprint:
        raise RoleError("the beacon's certificate cannot be registered as a party")
    # PROTOCOL.md §3.3: the registered certificate is the one the fingerprint names, and
    # it passes the statement rules (§3.2) at the registration's issued_at.
    if fingerprint(der) != fp:
        raise InputError(
            f"tender.register: the certificate's fingerprint is {fingerprint(der).hex()[:16]}…, "
            f"not the registered {fp.hex()[:16]}…"
        )
    try:
        ledger.validator.validate(der, ctx.signed.chain, st.issued_at)
    except VerificationError as e:
        raise VerificationError(
            f"tender.register: the {role}'s certificate cannot be registered: {e}"
        ) from e
    ctx.effects.append(lambda h: ctx.repo.register(st.tender_id, fp, role, h))


def tender_publish(ledger: Ledger, ctx: Submission) -> None:
    st = ctx.st
    body = st.body_as(TenderPublishBody)
    if st.subject:
        raise InputError(
            "tender.publish: the subject must be empty (the statement is about the tender)"
        )
    record = load_tender(ctx.session, st.tender_id)
    tender.check_publish(
        st.tender_id,
        st.role,
        published=record.facts.published,
        bid_deadline=body.bid_deadline,
        release_deadline=body.release_deadline,
        now=ctx.now,
        min_lead_ms=ledger.policy.min_lead_ms,
    )
    if not body.title.strip():
        raise InputError("tender.publish: give the tender a title", field="title")


def tender_statement(ledger: Ledger, ctx: Submission) -> None:
    """An opening-key announcement or a key release for the bid opening."""
    st = ctx.st
    if st.subject:
        raise InputError(
            f"{st.kind}: the subject must be empty (the statement is about the tender)"
        )
    record = load_tender(ctx.session, st.tender_id)
    tender.check(st.kind, st.role, record.facts, ctx.now, actor=st.actor)
    if st.kind == StatementKind.TENDER_OPENING_KEY:
        announce_opening_key(ctx, f"tender.opening_key for tender {st.tender_id}")
    else:
        released = st.body_as(TenderKeyReleaseBody).private_keys
        _check_tender_keys(st.tender_id, st.role, released, record)


def envelope_submit(ledger: Ledger, ctx: Submission) -> None:
    """A bid envelope (empty subject) for the tender, or a seed envelope for a draw."""
    if ctx.st.subject:
        draw_statement(ledger, ctx)
        return
    st = ctx.st
    record = load_tender(ctx.session, st.tender_id)
    tender.check(StatementKind.ENVELOPE_SUBMIT, st.role, record.facts, ctx.now, actor=st.actor)
    header = check_envelope_bytes(ledger, ctx, "bid")
    for role in CEREMONY_ROLES:
        sealed_to(header, role, record.opening_keys(role))
    store_envelope(ledger, ctx, "bid", "", version=_bids_of(record, st.actor))


def bid_change(ledger: Ledger, ctx: Submission) -> None:
    """PROTOCOL.md §9.9 step 3a: replace or withdraw the signer's standing bid, before the
    bid deadline; a replacement brings a new bid envelope, checked as a submission is."""
    st = ctx.st
    done = tender.CHANGES[st.kind][1]
    body = st.body_as(EnvelopeReplaceBody, EnvelopeWithdrawBody)
    named = body.replaces if isinstance(body, EnvelopeReplaceBody) else body.envelope_id
    if st.subject:
        raise InputError(
            f"{st.kind}: only bid envelopes (empty subject) can be {done}; the "
            f"seed envelopes of draw {st.subject} are commitments to the bidders' seeds and "
            "stay as submitted (PROTOCOL.md §9.9 step 3a)",
            field="subject",
        )
    row = ctx.repo.envelope(named)
    if row is not None and row.purpose == "seed":
        raise InputError(
            f"{st.kind}: envelope {named} is a seed envelope of draw {row.draw_key}; seed "
            f"envelopes are commitments to the bidder's seed and cannot be {done} "
            "(PROTOCOL.md §9.9 step 3a)",
            field="envelope_id",
        )
    record = load_tender(ctx.session, st.tender_id)
    tender.check(st.kind, st.role, record.facts, ctx.now, actor=st.actor, names=named)
    if st.kind == StatementKind.ENVELOPE_WITHDRAW:
        return
    header = check_envelope_bytes(ledger, ctx, "bid")
    for role in CEREMONY_ROLES:
        sealed_to(header, role, record.opening_keys(role))
    store_envelope(ledger, ctx, "bid", "", version=_bids_of(record, st.actor))


def _bids_of(record: TenderRecord, bidder: bytes) -> int:
    """How many bid envelopes ``bidder`` brought to the tender so far: the next one's version."""
    return sum(b.bidder == bidder for b in record.facts.bids.values())


def _check_tender_keys(
    tender_id: str, role: str, released: tuple[bytes, ...], record: TenderRecord
) -> None:
    """PROTOCOL.md §9.9 step 5: exactly the role's announced keys, each once.

    A key that matches no announcement is refused, so the opening only ever unwraps
    with verified keys; and all of them, so that a party holding a key and a backup
    cannot choose which stanza decides a bid.
    """
    announced = record.opening_keys(role)
    public = []
    for i, der in enumerate(released):
        key = load_release_key(
            der, kind=StatementKind.TENDER_KEY_RELEASE, field=f"private_keys[{i}]"
        )
        public.append(public_bytes(key.public_key()))
        if public[-1] not in announced:
            raise VerificationError(
                f"tender {tender_id}: released key {i} (public key {public[-1].hex()[:18]}…) is not an "
                f"opening key the {role} announced"
            )
    if len(set(public)) != len(public) or set(public) != set(announced):
        raise StateError(
            f"tender {tender_id}: the {role} must release each of its {len(announced)} announced "
            f"opening key(s) exactly once; the release holds {len(public)} ({len(set(public))} distinct)"
        )
