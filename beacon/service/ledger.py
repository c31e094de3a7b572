"""The one write path: accept a signed statement, or refuse it leaving no trace.

PROTOCOL.md §6.5. A statement is checked on its own first (canonical bytes,
signature, certificate chain at its time, clock skew, the kind's own rules), then
in one database transaction against the record (replay, registration, the draw's
phase and deadlines); its effect rows and its log leaf are written in that same
transaction, and the caller gets a receipt. Anything refused is only logged.

The beacon's own statements (registrations of operators, freezes, results) go
through :meth:`Ledger.issue` inside the caller's transaction.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from beacon.core import commitment, lifecycle, possession, tender
from beacon.core import envelope as env
from beacon.core.commitment import Party
from beacon.core.definition import DrawDefinition, Kind
from beacon.core.envelope.shares import load_public_key, public_bytes
from beacon.core.logentry import ChainLink, LogEntry, scope_of
from beacon.core.signature import fingerprint
from beacon.core.statement import BODIES, NONCE_BYTES, SignedStatement, Statement, verify_signature
from beacon.core.time_of_record import MAX_SKEW_MS
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import CEREMONY_ROLES, REGISTRARS, Role, StatementKind
from beacon.errors import (
    ConflictError,
    DeadlineError,
    EncodingError,
    InputError,
    RoleError,
    StateError,
    VerificationError,
)
from beacon.identity.keys import KeySigner
from beacon.identity.validation import ChainValidator
from beacon.ops import metrics
from beacon.service.blobs import BlobStore, StagedBlob
from beacon.service.clock import Clock
from beacon.service.draws import DrawRecord, load
from beacon.service.entropy import Entropy
from beacon.service.receipts import Receipt, receipt_for
from beacon.service.signers import require_valid_at
from beacon.service.tenders import TenderRecord, load_tender
from beacon.store import Database, LogRepository, PulseRepository, StoredPulse
from beacon.store.records import DrawRow, EnvelopeRow, OpeningKeyRow
from beacon.store.statements import Logged, StatementRepository

log = logging.getLogger("beacon.ledger")

# The statements that bring an envelope's bytes (POST /api/v1/envelopes).
ENVELOPE_KINDS = (StatementKind.ENVELOPE_SUBMIT, StatementKind.ENVELOPE_REPLACE)


@dataclass(frozen=True)
class Policy:
    """A deployment's acceptance rules (PROTOCOL.md §6.5, §11.5)."""

    skew_ms: int = 300_000
    min_lead_ms: int = 60_000
    min_vdf_t: int = 1
    # §11.5: the deployment's published evaluator speed s (squarings per second) and
    # adversary advantage A_max; every definition must carry exactly these.
    vdf_rate: int = 700_000
    vdf_advantage: int = 100
    max_envelope_bytes: int = 64 << 20
    # The configured operators' certificates (DER), which the beacon registers (§3.3).
    centre_operators: frozenset[bytes] = frozenset()
    supervisors: frozenset[bytes] = frozenset()

    def __post_init__(self) -> None:
        # PROTOCOL.md §6.5: the verifier bounds issued_at by S_max, so no deployment may
        # accept more than that.
        if not 0 <= self.skew_ms <= MAX_SKEW_MS:
            raise ValueError(
                f"skew_ms: the clock-skew tolerance is at most {MAX_SKEW_MS} ms "
                f"(PROTOCOL.md §6.5), got {self.skew_ms}"
            )


@dataclass
class _Context:
    """One submission being checked and applied, inside its transaction."""

    session: Session
    repo: StatementRepository
    signed: SignedStatement
    now: int
    pulse_ms: int
    payload: StagedBlob | None
    draw: DrawRecord | None = None
    effects: list[Callable[[bytes], None]] = field(default_factory=list)

    @property
    def st(self) -> Statement:
        return self.signed.statement

    @property
    def body(self) -> dict[str, Any]:
        return dict(self.st.body)


class Ledger:
    """Accepts statements into the log (the service's only write path for parties)."""

    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        entropy: Entropy,
        validator: ChainValidator,
        beacon: KeySigner,
        blobs: BlobStore,
        policy: Policy,
    ) -> None:
        self.db = database
        self.clock = clock
        self.entropy = entropy
        self.validator = validator
        self.beacon = beacon
        self.blobs = blobs
        self.policy = policy
        # Set by the runtime: switches self.beacon to a rotated signer before it is used.
        self.refresh_signer: Callable[[], None] | None = None

    # -- parties' statements --------------------------------------------------------------

    def submit(self, signed: SignedStatement, *, payload: StagedBlob | None = None) -> Receipt:
        """Check and record one statement; raise (and write nothing) if it is refused."""
        st = signed.statement
        try:
            receipt = self._submit(signed, payload)
        except Exception as e:
            metrics.STATEMENTS.labels(
                st.kind if st.kind in BODIES else "other", type(e).__name__
            ).inc()
            log.info(
                "refused %s by %s %s for %s/%s: %s",
                st.kind,
                st.role,
                st.actor.hex()[:16],
                st.tender_id,
                st.subject,
                e,
                extra={**_context(st), "refusal": type(e).__name__},
            )
            raise
        finally:
            if payload is not None:
                payload.discard()  # no-op once committed into the blob store
        metrics.STATEMENTS.labels(st.kind, "accepted").inc()
        return receipt

    def _submit(self, signed: SignedStatement, payload: StagedBlob | None) -> Receipt:
        st = signed.statement
        if self.refresh_signer is not None:
            self.refresh_signer()
        if st.role == Role.BEACON or st.actor == self.beacon.fingerprint:
            raise RoleError("beacon statements are made by the service itself, never submitted")
        verify_signature(signed)
        self.validator.validate(signed.certificate, signed.chain, st.issued_at)
        if (payload is None) == (st.kind in ENVELOPE_KINDS):
            raise InputError(
                f"{st.kind}: "
                + (
                    "an envelope submission or replacement needs the envelope bytes"
                    if payload is None
                    else "takes no payload"
                )
            )
        handler = _HANDLERS.get(st.kind)
        if handler is None:
            raise StateError(f"{st.kind} statements are not accepted from parties")
        with self.db.write() as session:
            # PROTOCOL.md §13.2: "in time" is decided here, under the write lock, against
            # the server time read now and the newest pulse already committed. No pulse can
            # be committed between these readings and the append (the pulser takes the same
            # lock), so a statement accepted before a deadline D with no pulse at or after D
            # yet is below the tree size the first such pulse will commit.
            now = self.clock.now_ms()
            self._check_skew(st, now)
            repo = StatementRepository(session)
            statement_hash = st.hash()
            if repo.exists(statement_hash):
                raise ConflictError(
                    f"replayed statement: {statement_hash.hex()} was already accepted"
                )
            last = PulseRepository(session).last()
            ctx = _Context(session, repo, signed, now, 0 if last is None else last.time_ms, payload)
            if last is not None:
                self._check_time_of_record(ctx, last)
            self._ensure_operator(ctx)
            self._check_role(ctx)
            handler(self, ctx)
            leaf = self._append(session, repo, signed, statement_hash, now)
            for effect in ctx.effects:
                effect(statement_hash)
            receipt = receipt_for(session, statement_hash, leaf)
        log.info(
            "accepted %s by %s for %s/%s as leaf %d",
            st.kind,
            st.role,
            st.tender_id,
            st.subject,
            leaf,
            extra={**_context(st), "statement": statement_hash.hex(), "leaf": leaf},
        )
        return receipt

    def _check_skew(self, st: Statement, now: int) -> None:
        # PROTOCOL.md §6.5: the tolerance is inclusive; the message gives the measured skew.
        skew = st.issued_at - now
        if abs(skew) > self.policy.skew_ms:
            raise DeadlineError(
                f"{st.kind}: issued_at {format_ms(st.issued_at)} is more than {self.policy.skew_ms / 1000:g} s "
                f"from server time {format_ms(now)} ({abs(skew)} ms {'ahead' if skew > 0 else 'behind'}, "
                f"at most {self.policy.skew_ms} ms allowed); check the signer's clock"
            )

    def _append(
        self,
        session: Session,
        repo: StatementRepository,
        signed: SignedStatement,
        statement_hash: bytes,
        now: int,
    ) -> int:
        # PROTOCOL.md §7.6: the entry names its place in the statement's scope chain. The
        # write transaction is serialised (Database.write), so the head read here is the
        # head the entry extends: no two entries of one scope can take the same seq.
        head = repo.scope_head(*scope_of(signed.statement))
        link = ChainLink.first() if head is None else head[1].link.after(head[0], head[2])
        entry = LogEntry(link, signed).encode()
        leaf = LogRepository(session).append(entry, now_ms=now)
        repo.add(signed, statement_hash=statement_hash, leaf_index=leaf, received_ms=now)
        return leaf

    # -- the beacon's own statements ----------------------------------------------------------

    def issue(
        self,
        session: Session,
        *,
        kind: StatementKind,
        tender_id: str,
        subject: str,
        body: dict[str, Any],
        now: int,
    ) -> Logged:
        """Sign and append a beacon statement inside the caller's transaction.

        ``now`` is the beacon's clock read inside that transaction (PROTOCOL.md §13.3).
        """
        if self.refresh_signer is not None:
            self.refresh_signer()
        _not_before_newest_pulse(session, kind=kind, subject=f"{tender_id}/{subject}", now=now)
        require_valid_at(self.beacon.certificate, now, what=f"{kind} for {tender_id}/{subject}")
        st = Statement(
            kind=kind,
            tender_id=tender_id,
            subject=subject,
            role=Role.BEACON,
            actor=self.beacon.fingerprint,
            issued_at=now,
            nonce=self.entropy.random_bytes(NONCE_BYTES),
            body=body,
        )
        signed = self.beacon.sign_statement(st)
        repo = StatementRepository(session)
        statement_hash = st.hash()
        leaf = self._append(session, repo, signed, statement_hash, now)
        if kind == StatementKind.TENDER_REGISTER:
            repo.register(tender_id, body["fingerprint"], body["role"], statement_hash)
        found = repo.get(statement_hash)
        assert found is not None
        log.info("issued %s for %s/%s as leaf %d", kind, tender_id, subject, leaf)
        return found

    # -- identity --------------------------------------------------------------------------------

    def _ensure_operator(self, ctx: _Context) -> None:
        """PROTOCOL.md §3.3: the beacon registers the configured centre operators and
        supervisors in a tender with its first accepted statement (same transaction, so
        a refused statement leaves no registration behind either). An operator whose
        certificate does not validate now is left out (§3.2), with a warning."""
        tender = ctx.st.tender_id
        if ctx.repo.registrations(tender):
            return
        operators = [(Role.CENTRE, der) for der in sorted(self.policy.centre_operators)]
        operators += [
            (Role.SUPERVISOR, der)
            for der in sorted(self.policy.supervisors - self.policy.centre_operators)
        ]
        now = self.clock.now_ms()  # inside the transaction, as §13.3 requires of the beacon
        for role, der in operators:
            try:
                self.validator.validate(der, (), now)
            except VerificationError as e:
                log.warning("not registering the configured %s in %s: %s", role, tender, e)
                continue
            self.issue(
                ctx.session,
                kind=StatementKind.TENDER_REGISTER,
                tender_id=tender,
                subject="",
                body={"role": role, "fingerprint": fingerprint(der), "certificate": der},
                now=now,
            )

    def _check_time_of_record(self, ctx: _Context, last: StoredPulse) -> None:
        """PROTOCOL.md §6.5, §13.3: the newest pulse is the one before the new leaf, so an
        issued_at more than the tolerance before it would fail the time-of-record check."""
        earliest = last.time_ms - self.policy.skew_ms
        if ctx.st.issued_at < earliest:
            raise DeadlineError(
                f"{ctx.st.kind}: issued_at {format_ms(ctx.st.issued_at)} is more than "
                f"{self.policy.skew_ms / 1000:g} s before pulse {last.chain_index}/{last.pulse_index} "
                f"of {format_ms(last.time_ms)}, the newest pulse before its leaf "
                f"({earliest - ctx.st.issued_at} ms too early); check the signer's clock"
            )

    def _check_role(self, ctx: _Context) -> None:
        st = ctx.st
        registered = ctx.repo.role_of(st.tender_id, st.actor)
        if registered is None:
            raise RoleError(
                f"certificate {st.actor.hex()[:16]}… is not registered in tender {st.tender_id}; "
                "ask the centre to register it"
            )
        if registered != st.role:
            raise RoleError(
                f"certificate {st.actor.hex()[:16]}… is registered as {registered} in tender {st.tender_id}, "
                f"not as {st.role}"
            )

    # -- handlers ----------------------------------------------------------------------------------

    def _register(self, ctx: _Context) -> None:
        body = ctx.body
        role, fp, der = body["role"], body["fingerprint"], body["certificate"]
        if REGISTRARS.get(role) != Role.CENTRE:
            raise RoleError(f"tender.register: a centre registers agents and bidders, not {role!r}")
        if ctx.st.role != Role.CENTRE:
            raise RoleError(
                f"tender.register: only a centre registers parties, not a {ctx.st.role}"
            )
        existing = ctx.repo.role_of(ctx.st.tender_id, fp)
        if existing is not None:
            raise ConflictError(
                f"certificate {fp.hex()[:16]}… is already registered as {existing} in tender {ctx.st.tender_id}"
            )
        if fp == self.beacon.fingerprint:
            raise RoleError("the beacon's certificate cannot be registered as a party")
        # PROTOCOL.md §3.3: the registered certificate is the one the fingerprint names, and
        # it passes the statement rules (§3.2) at the registration's issued_at.
        if fingerprint(der) != fp:
            raise InputError(
                f"tender.register: the certificate's fingerprint is {fingerprint(der).hex()[:16]}…, "
                f"not the registered {fp.hex()[:16]}…"
            )
        try:
            self.validator.validate(der, ctx.signed.chain, ctx.st.issued_at)
        except VerificationError as e:
            raise VerificationError(
                f"tender.register: the {role}'s certificate cannot be registered: {e}"
            ) from e
        ctx.effects.append(lambda h: ctx.repo.register(ctx.st.tender_id, fp, role, h))

    def _publish(self, ctx: _Context) -> None:
        st = ctx.st
        try:
            definition = DrawDefinition.decode(ctx.body["definition"])
        except EncodingError as e:
            raise InputError(f"draw.publish: the definition is not canonical: {e}") from e
        if definition.tender_id != st.tender_id or definition.draw_id != st.subject:
            raise InputError(
                f"draw.publish: the statement is for {st.tender_id}/{st.subject} but the definition is for "
                f"{definition.tender_id}/{definition.draw_id}"
            )
        if ctx.repo.draw(definition.draw_id) is not None:
            raise ConflictError(
                f"draw {definition.draw_id} is already published; a definition cannot be edited after "
                "publication (a supervisor may void it and a new draw id re-draw)"
            )
        if definition.redraw_of:
            old = ctx.repo.draw(definition.redraw_of)
            if old is None or old.tender_id != st.tender_id:
                raise InputError(
                    f"redraw_of: no draw {definition.redraw_of!r} in tender {st.tender_id}"
                )
            if (
                load(ctx.repo, old.draw_id, pulse_ms=ctx.pulse_ms).phase
                is not lifecycle.Phase.VOIDED
            ):
                raise StateError(
                    f"redraw_of: draw {old.draw_id} is not voided; only a voided draw is re-drawn"
                )
        lifecycle.check_publish(
            definition,
            st.role,
            ctx.now,
            min_lead_ms=self.policy.min_lead_ms,
            min_vdf_t=self.policy.min_vdf_t,
            vdf_rate=self.policy.vdf_rate,
            vdf_advantage=self.policy.vdf_advantage,
        )
        ctx.effects.append(
            lambda h: ctx.repo.add_draw(
                DrawRow(
                    draw_id=definition.draw_id,
                    tender_id=definition.tender_id,
                    definition=definition.encode(),
                    definition_hash=definition.hash(),
                    commit_deadline_ms=definition.deadlines.commit,
                    redraw_of=definition.redraw_of,
                    published_ms=ctx.now,
                    statement_hash=h,
                )
            )
        )

    def _draw_statement(self, ctx: _Context) -> None:
        """Every draw statement but publication: the lifecycle decides, then the kind's rules."""
        st = ctx.st
        row = ctx.repo.draw(st.subject)
        if row is None or row.tender_id != st.tender_id:
            raise InputError(
                f"{st.kind}: no draw {st.subject!r} in tender {st.tender_id}", field="subject"
            )
        ctx.draw = load(ctx.repo, st.subject, pulse_ms=ctx.pulse_ms)
        lifecycle.check(st.kind, st.role, ctx.draw.facts, ctx.now, actor=st.actor)
        _RULES[st.kind](self, ctx)

    def _countersign(self, ctx: _Context) -> None:
        assert ctx.draw is not None
        if not hmac.compare_digest(ctx.body["definition_hash"], ctx.draw.definition.hash()):
            raise VerificationError(
                f"draw {ctx.draw.draw_id}: the countersigned hash is not the published definition's"
            )

    def _opening_key(self, ctx: _Context) -> None:
        _announce_opening_key(ctx, f"draw.opening_key for draw {ctx.st.subject}")

    def _reveal(self, ctx: _Context) -> None:
        assert ctx.draw is not None
        committed = ctx.draw.by_role(StatementKind.DRAW_COMMIT)[ctx.st.role]
        if committed.row.actor != ctx.st.actor:
            raise RoleError(
                f"draw {ctx.draw.draw_id}: the {ctx.st.role}'s seed was committed by another certificate"
            )
        commitment.verify(
            ctx.draw.draw_id,
            Party(ctx.st.role, ctx.st.actor),
            ctx.body["seed"],
            committed.signed.statement.body["commitment"],
        )

    def _snapshot(self, ctx: _Context) -> None:
        assert ctx.draw is not None
        ids = list(ctx.body["bid_ids"])
        if not ids or ids != sorted(set(ids)):
            raise InputError(
                "draw.snapshot: bid_ids must be a non-empty, sorted list without duplicates",
                field="bid_ids",
            )
        for s in ctx.draw.definition.selections:
            if s.from_snapshot and s.kind is Kind.PICK_K and s.k > len(ids):
                raise InputError(
                    f"draw.snapshot: {s.code} picks {s.k} bids but the snapshot lists only {len(ids)}"
                )

    def _key_release(self, ctx: _Context) -> None:
        assert ctx.draw is not None
        announced = ctx.draw.by_role(StatementKind.DRAW_OPENING_KEY)[ctx.st.role]
        if announced.row.actor != ctx.st.actor:
            raise RoleError(
                f"draw {ctx.draw.draw_id}: the {ctx.st.role}'s opening key was announced by another certificate"
            )
        key = load_release_key(ctx.body["private_key"])
        if public_bytes(key.public_key()) != announced.signed.statement.body["public_key"]:
            raise VerificationError(
                f"draw {ctx.draw.draw_id}: the released key does not match the announced opening key"
            )

    def _objection(self, ctx: _Context) -> None:
        if not ctx.body["reason"].strip():
            raise InputError("draw.objection: give a reason", field="reason")

    def _confirm(self, ctx: _Context) -> None:
        assert ctx.draw is not None
        result = ctx.draw.one(StatementKind.DRAW_RESULT)
        assert result is not None
        if ctx.body["result"] != result.row.statement_hash:
            raise VerificationError(
                f"draw {ctx.draw.draw_id}: draw.confirm must name the result statement's hash"
            )

    def _void(self, ctx: _Context) -> None:
        if not ctx.body["reason"].strip():
            raise InputError("draw.void: a supervisor voids with a reason", field="reason")

    def _seed_envelope(self, ctx: _Context) -> None:
        assert ctx.draw is not None and ctx.payload is not None
        header = _check_envelope_bytes(self, ctx, "seed")
        for role, announced in ctx.draw.by_role(StatementKind.DRAW_OPENING_KEY).items():
            _sealed_to(header, role, [announced.signed.statement.body["public_key"]])
        self._store_envelope(ctx, "seed", ctx.st.subject)

    def _store_envelope(
        self, ctx: _Context, purpose: str, draw_key: str, *, version: int = 0
    ) -> None:
        st, body, blob = ctx.st, ctx.body, ctx.payload
        assert blob is not None

        def store(h: bytes) -> None:
            ctx.repo.add_envelope(
                EnvelopeRow(
                    envelope_id=body["envelope_id"],
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
            self.blobs.commit(blob)

        ctx.effects.append(store)

    # -- the bid opening (PROTOCOL.md §9.9) ----------------------------------------------------

    def _tender_publish(self, ctx: _Context) -> None:
        st, body = ctx.st, ctx.body
        if st.subject:
            raise InputError(
                "tender.publish: the subject must be empty (the statement is about the tender)"
            )
        record = load_tender(ctx.session, st.tender_id)
        tender.check_publish(
            st.tender_id,
            st.role,
            published=record.facts.published,
            bid_deadline=body["bid_deadline"],
            release_deadline=body["release_deadline"],
            now=ctx.now,
            min_lead_ms=self.policy.min_lead_ms,
        )
        if not body["title"].strip():
            raise InputError("tender.publish: give the tender a title", field="title")

    def _tender_statement(self, ctx: _Context) -> None:
        st = ctx.st
        if st.subject:
            raise InputError(
                f"{st.kind}: the subject must be empty (the statement is about the tender)"
            )
        record = load_tender(ctx.session, st.tender_id)
        tender.check(st.kind, st.role, record.facts, ctx.now, actor=st.actor)
        if st.kind == StatementKind.TENDER_OPENING_KEY:
            _announce_opening_key(ctx, f"tender.opening_key for tender {st.tender_id}")
        else:
            _check_tender_keys(st.tender_id, st.role, ctx.body["private_keys"], record)

    def _bid_envelope(self, ctx: _Context) -> None:
        record = load_tender(ctx.session, ctx.st.tender_id)
        tender.check(StatementKind.ENVELOPE_SUBMIT, ctx.st.role, record.facts, ctx.now, actor=ctx.st.actor)
        header = _check_envelope_bytes(self, ctx, "bid")
        for role in CEREMONY_ROLES:
            _sealed_to(header, role, record.opening_keys(role))
        self._store_envelope(ctx, "bid", "", version=_bids_of(record, ctx.st.actor))

    def _bid_change(self, ctx: _Context) -> None:
        """PROTOCOL.md §9.9 step 3a: replace or withdraw the signer's standing bid, before the
        bid deadline; a replacement brings a new bid envelope, checked as a submission is."""
        st = ctx.st
        done = tender.CHANGES[st.kind][1]
        named = ctx.body["replaces" if st.kind == StatementKind.ENVELOPE_REPLACE else "envelope_id"]
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
        header = _check_envelope_bytes(self, ctx, "bid")
        for role in CEREMONY_ROLES:
            _sealed_to(header, role, record.opening_keys(role))
        self._store_envelope(ctx, "bid", "", version=_bids_of(record, st.actor))


def _context(st: Statement) -> dict[str, str]:
    """Structured-log fields of a statement (beacon/ops/logs.py)."""
    fields = {"kind": st.kind, "role": st.role, "tender": st.tender_id}
    if st.subject:
        fields["draw" if st.kind.startswith("draw.") else "subject"] = st.subject
    return fields


def _bids_of(record: TenderRecord, bidder: bytes) -> int:
    """How many bid envelopes ``bidder`` brought to the tender so far: the next one's version."""
    return sum(b.bidder == bidder for b in record.facts.bids.values())


def _check_envelope_bytes(ledger: Ledger, ctx: _Context, purpose: str) -> env.Header:
    """Size, hash and header of an uploaded envelope against its signed submission."""
    assert ctx.payload is not None
    st, body, blob = ctx.st, ctx.body, ctx.payload
    if body.get("purpose", purpose) != purpose:  # envelope.replace: bids only, no purpose field
        raise InputError(
            f"envelope.submit: this envelope must have purpose {purpose!r}, got {body['purpose']!r}"
        )
    if blob.size > ledger.policy.max_envelope_bytes:
        raise InputError(
            f"envelope of {blob.size} bytes exceeds the limit of {ledger.policy.max_envelope_bytes}"
        )
    if blob.size != body["size"] or not hmac.compare_digest(blob.digest, body["envelope_hash"]):
        raise VerificationError(
            f"{st.kind}: the signed envelope_hash and size do not match the bytes sent"
        )
    header = env.parse_header(blob.read_bytes(limit=1 << 16))
    expected = {
        "tender_id": st.tender_id,
        "draw_id": st.subject,
        "purpose": purpose,
        "envelope_id": body["envelope_id"],
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
        ctx.repo.envelope(body["envelope_id"]) is not None
        or ctx.repo.envelope_by_hash(blob.digest) is not None
    ):
        raise ConflictError(f"envelope {body['envelope_id']} was already submitted")
    return header


def _announce_opening_key(ctx: _Context, what: str) -> None:
    """PROTOCOL.md §9.3: a proof of possession, and a key id never announced before anywhere."""
    st, key = ctx.st, ctx.body["public_key"]
    possession.verify(
        key,
        ctx.body["possession"],
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


def _not_before_newest_pulse(session: Session, *, kind: str, subject: str, now: int) -> None:
    """PROTOCOL.md §13.3 (S = 0): the beacon never signs a time before the newest pulse."""
    last = PulseRepository(session).last()
    if last is not None and now < last.time_ms:
        raise StateError(
            f"beacon {kind} for {subject}: its time {format_ms(now)} is before pulse "
            f"{last.chain_index}/{last.pulse_index} of {format_ms(last.time_ms)}; the beacon's "
            "clock is behind the pulse clock, so the statement is not signed"
        )


def _sealed_to(header: env.Header, role: str, keys: list[bytes]) -> None:
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
        key = load_release_key(der, kind=StatementKind.TENDER_KEY_RELEASE, field=f"private_keys[{i}]")
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


_RULES: dict[str, Callable[[Ledger, _Context], None]] = {
    StatementKind.DRAW_COUNTERSIGN: Ledger._countersign,
    StatementKind.DRAW_OPENING_KEY: Ledger._opening_key,
    StatementKind.DRAW_COMMIT: lambda self, ctx: None,
    StatementKind.DRAW_REVEAL: Ledger._reveal,
    StatementKind.DRAW_SNAPSHOT: Ledger._snapshot,
    StatementKind.DRAW_KEY_RELEASE: Ledger._key_release,
    StatementKind.DRAW_OBJECTION: Ledger._objection,
    StatementKind.DRAW_CONFIRM: Ledger._confirm,
    StatementKind.DRAW_VOID: Ledger._void,
    StatementKind.ENVELOPE_SUBMIT: Ledger._seed_envelope,
}

_HANDLERS: dict[str, Callable[[Ledger, _Context], None]] = {
    StatementKind.TENDER_REGISTER: Ledger._register,
    StatementKind.DRAW_PUBLISH: Ledger._publish,
    **{kind: Ledger._draw_statement for kind in _RULES},
    StatementKind.ENVELOPE_SUBMIT: lambda self, ctx: (
        self._bid_envelope if ctx.st.subject == "" else self._draw_statement
    )(ctx),
    StatementKind.TENDER_PUBLISH: Ledger._tender_publish,
    StatementKind.TENDER_OPENING_KEY: Ledger._tender_statement,
    StatementKind.TENDER_KEY_RELEASE: Ledger._tender_statement,
    StatementKind.ENVELOPE_REPLACE: Ledger._bid_change,
    StatementKind.ENVELOPE_WITHDRAW: Ledger._bid_change,
}
