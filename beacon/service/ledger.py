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

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from beacon.core import defaults
from beacon.core.bodies import TenderRegisterBody
from beacon.core.body_wire import Body
from beacon.core.logentry import ChainLink, LogEntry, scope_of
from beacon.core.signature import fingerprint
from beacon.core.statement import (
    NONCE_BYTES,
    SignedStatement,
    Statement,
    verify_signature,
)
from beacon.core.time_of_record import MAX_SKEW_MS
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import (
    ConflictError,
    DeadlineError,
    InputError,
    RoleError,
    StateError,
    VerificationError,
)
from beacon.identity.keys import KeySigner
from beacon.identity.validation import ChainValidator
from beacon.ops import metrics
from beacon.service import draw_rules, tender_rules
from beacon.service.blobs import BlobStore, StagedBlob
from beacon.service.clock import Clock
from beacon.service.entropy import Entropy
from beacon.service.receipts import Receipt, receipt_for
from beacon.service.signers import require_valid_at
from beacon.service.submission import ENVELOPE_KINDS, Handler, Submission
from beacon.store import Database, LogRepository, PulseRepository, StoredPulse
from beacon.store.statements import Logged, StatementRepository

log = logging.getLogger("beacon.ledger")

# The statements after which a draw may be computable or a tender's bids openable: their
# transaction wakes the listening workers (beacon.service.wakeup), as every pulse does.
WAKE_KINDS = frozenset(
    {
        StatementKind.DRAW_FREEZE,
        StatementKind.DRAW_SNAPSHOT,
        StatementKind.DRAW_REVEAL,
        StatementKind.DRAW_KEY_RELEASE,
        StatementKind.TENDER_KEY_RELEASE,
    }
)


@dataclass(frozen=True)
class Policy:
    """A deployment's acceptance rules (PROTOCOL.md §6.5, §11.5)."""

    skew_ms: int = 300_000
    min_lead_ms: int = defaults.MIN_LEAD_MS
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
            metrics.STATEMENTS.labels(metrics.statement_kind(st.kind), metrics.outcome(e)).inc()
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
        metrics.STATEMENTS.labels(metrics.statement_kind(st.kind), "accepted").inc()
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
            ctx = Submission(
                session, repo, signed, now, 0 if last is None else last.time_ms, payload
            )
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
        if signed.statement.kind in WAKE_KINDS:
            self.db.notify_work(session)  # delivered at commit, never for a refused statement
        return leaf

    # -- the beacon's own statements ----------------------------------------------------------

    def issue(
        self,
        session: Session,
        *,
        kind: StatementKind,
        tender_id: str,
        subject: str,
        body: Body,
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
        if isinstance(st.body, TenderRegisterBody):
            repo.register(tender_id, st.body.fingerprint, st.body.role, statement_hash)
        found = repo.get(statement_hash)
        if found is None:  # appended above, in this transaction
            raise StateError(
                f"beacon {kind} {statement_hash.hex()} is not in the log it was appended to"
            )
        log.info("issued %s for %s/%s as leaf %d", kind, tender_id, subject, leaf)
        return found

    # -- identity --------------------------------------------------------------------------------

    def _ensure_operator(self, ctx: Submission) -> None:
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
                body=TenderRegisterBody(role, fingerprint(der), der),
                now=now,
            )

    def _check_time_of_record(self, ctx: Submission, last: StoredPulse) -> None:
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

    def _check_role(self, ctx: Submission) -> None:
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


def _context(st: Statement) -> dict[str, str]:
    """Structured-log fields of a statement (beacon/ops/logs.py)."""
    fields = {"kind": st.kind, "role": st.role, "tender": st.tender_id}
    if st.subject:
        fields["draw" if st.kind.startswith("draw.") else "subject"] = st.subject
    return fields


def _not_before_newest_pulse(session: Session, *, kind: str, subject: str, now: int) -> None:
    """PROTOCOL.md §13.3 (S = 0): the beacon never signs a time before the newest pulse."""
    last = PulseRepository(session).last()
    if last is not None and now < last.time_ms:
        raise StateError(
            f"beacon {kind} for {subject}: its time {format_ms(now)} is before pulse "
            f"{last.chain_index}/{last.pulse_index} of {format_ms(last.time_ms)}; the beacon's "
            "clock is behind the pulse clock, so the statement is not signed"
        )


_HANDLERS: dict[StatementKind, Handler] = {
    StatementKind.TENDER_REGISTER: tender_rules.register,
    StatementKind.DRAW_PUBLISH: draw_rules.publish,
    **dict.fromkeys(draw_rules.RULES, draw_rules.draw_statement),
    StatementKind.ENVELOPE_SUBMIT: tender_rules.envelope_submit,
    StatementKind.TENDER_PUBLISH: tender_rules.tender_publish,
    StatementKind.TENDER_OPENING_KEY: tender_rules.tender_statement,
    StatementKind.TENDER_KEY_RELEASE: tender_rules.tender_statement,
    StatementKind.ENVELOPE_REPLACE: tender_rules.bid_change,
    StatementKind.ENVELOPE_WITHDRAW: tender_rules.bid_change,
}
