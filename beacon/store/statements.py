"""Statements, identities, draws and envelopes in the database (caller-owned sessions).

The log leaf is the record: a statement's bytes are read back from its leaf, and
the rows here only index them (by tender, subject, kind) and hold what the
service must look up quickly (registrations, definitions, envelope metadata).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from beacon.core.logentry import ChainLink, LogEntry
from beacon.core.signature import fingerprint, load_certificate
from beacon.core.statement import SignedStatement
from beacon.core.vocabulary import StatementKind
from beacon.store.chain_tables import LogLeaf
from beacon.store.draw_tables import (
    DrawRow,
    EnvelopeRow,
    OpeningKeyRow,
    PartyCertificate,
    Registration,
    StatementRow,
    VdfCheckpointRow,
    VdfJob,
)


@dataclass(frozen=True)
class StatementMeta:
    """The index columns of an accepted statement (a detached copy of its row)."""

    statement_hash: bytes
    leaf_index: int
    tender_id: str
    subject: str
    kind: str
    role: str
    actor: bytes
    issued_ms: int
    received_ms: int

    @classmethod
    def of(cls, row: StatementRow) -> StatementMeta:
        return cls(
            row.statement_hash,
            row.leaf_index,
            row.tender_id,
            row.subject,
            row.kind,
            row.role,
            row.actor,
            row.issued_ms,
            row.received_ms,
        )


@dataclass(frozen=True)
class Logged:
    """A statement as logged: its index columns and the decoded signed statement."""

    row: StatementMeta
    signed: SignedStatement
    link: ChainLink  # its place in its scope's chain (PROTOCOL.md §7.6)

    @property
    def leaf_index(self) -> int:
        return self.row.leaf_index


def _logged(row: StatementRow, entry: bytes) -> Logged:
    decoded = LogEntry.decode(entry)
    return Logged(StatementMeta.of(row), decoded.signed, decoded.link)


class StatementRepository:
    """Reads and writes the statement indexes through a caller-owned session."""

    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def session(self) -> Session:
        """The caller's session, for reading other repositories in the same transaction."""
        return self._s

    # -- statements -------------------------------------------------------------------

    def exists(self, statement_hash: bytes) -> bool:
        return self._s.get(StatementRow, statement_hash) is not None

    def add(
        self, signed: SignedStatement, *, statement_hash: bytes, leaf_index: int, received_ms: int
    ) -> StatementRow:
        st = signed.statement
        row = StatementRow(
            statement_hash=statement_hash,
            leaf_index=leaf_index,
            tender_id=st.tender_id,
            subject=st.subject,
            # Stored as the plain strings they equal (StatementKind, Role are StrEnums).
            kind=str(st.kind),
            role=str(st.role),
            actor=st.actor,
            issued_ms=st.issued_at,
            received_ms=received_ms,
        )
        self._s.add(row)
        self._remember_certificate(signed.certificate)
        self._s.flush()
        return row

    def _remember_certificate(self, der: bytes) -> None:
        fp = fingerprint(der)
        if self._s.get(PartyCertificate, fp) is None:
            subject = load_certificate(der).subject.rfc4514_string()
            self._s.add(PartyCertificate(fingerprint=fp, der=der, subject=subject))

    def get(self, statement_hash: bytes) -> Logged | None:
        found = self._s.execute(
            select(StatementRow, LogLeaf.entry)
            .join(LogLeaf, LogLeaf.leaf_index == StatementRow.leaf_index)
            .where(StatementRow.statement_hash == statement_hash)
        ).first()
        return None if found is None else _logged(found[0], found[1])

    def scope_head(self, tender_id: str, subject: str) -> tuple[int, LogEntry, bytes] | None:
        """The last entry of a scope chain (PROTOCOL.md §7.6): its leaf index, the decoded
        entry and its bytes; ``None`` for a scope with no statement yet."""
        found = self._s.execute(
            select(LogLeaf.leaf_index, LogLeaf.entry)
            .join(StatementRow, LogLeaf.leaf_index == StatementRow.leaf_index)
            .where(StatementRow.tender_id == tender_id, StatementRow.subject == subject)
            .order_by(StatementRow.leaf_index.desc())
            .limit(1)
        ).first()
        return None if found is None else (found[0], LogEntry.decode(found[1]), found[1])

    def about(
        self, tender_id: str, subject: str, kinds: Sequence[str] | None = None
    ) -> list[Logged]:
        """Every statement of a tender with this subject, in log order."""
        query = (
            select(StatementRow, LogLeaf.entry)
            .join(LogLeaf, LogLeaf.leaf_index == StatementRow.leaf_index)
            .where(StatementRow.tender_id == tender_id, StatementRow.subject == subject)
            .order_by(StatementRow.leaf_index)
        )
        if kinds is not None:
            query = query.where(StatementRow.kind.in_(list(kinds)))
        return [_logged(row, entry) for row, entry in self._s.execute(query)]

    def certificate(self, fp: bytes) -> PartyCertificate | None:
        return self._s.get(PartyCertificate, fp)

    # -- registrations ------------------------------------------------------------------

    def role_of(self, tender_id: str, fp: bytes) -> str | None:
        reg = self._s.get(Registration, (tender_id, fp))
        return None if reg is None else reg.role

    def registration(self, tender_id: str, fp: bytes) -> Registration | None:
        return self._s.get(Registration, (tender_id, fp))

    def registrations(self, tender_id: str) -> list[Registration]:
        return list(
            self._s.scalars(select(Registration).where(Registration.tender_id == tender_id))
        )

    def tenders(self, *, limit: int = 500) -> list[str]:
        """Every tender with a registration (so with a record at all), by id."""
        query = (
            select(Registration.tender_id)
            .distinct()
            .order_by(Registration.tender_id.desc())
            .limit(limit)
        )
        return list(self._s.scalars(query))

    def register(self, tender_id: str, fp: bytes, role: str, statement_hash: bytes) -> None:
        self._s.add(
            Registration(
                tender_id=tender_id, fingerprint=fp, role=str(role), statement_hash=statement_hash
            )
        )
        self._s.flush()

    # -- draws ------------------------------------------------------------------------------

    def draw(self, draw_id: str) -> DrawRow | None:
        return self._s.get(DrawRow, draw_id)

    def add_draw(self, row: DrawRow) -> None:
        self._s.add(row)
        self._s.flush()

    def draws(self, *, tender_id: str | None = None, limit: int = 500) -> list[DrawRow]:
        query = (
            select(DrawRow)
            .order_by(DrawRow.commit_deadline_ms.desc(), DrawRow.draw_id)
            .limit(limit)
        )
        if tender_id is not None:
            query = query.where(DrawRow.tender_id == tender_id)
        return list(self._s.scalars(query))

    def draws_due_for_freeze(self, before_ms: int) -> list[DrawRow]:
        """Draws whose commit deadline is at or before ``before_ms`` and not yet frozen."""
        frozen = select(StatementRow.subject).where(StatementRow.kind == StatementKind.DRAW_FREEZE)
        return list(
            self._s.scalars(
                select(DrawRow)
                .where(DrawRow.commit_deadline_ms <= before_ms, DrawRow.draw_id.not_in(frozen))
                .order_by(DrawRow.commit_deadline_ms)
            )
        )

    def draws_without_result(self) -> list[DrawRow]:
        done = select(StatementRow.subject).where(
            StatementRow.kind.in_([StatementKind.DRAW_RESULT, StatementKind.DRAW_VOID])
        )
        frozen = select(StatementRow.subject).where(StatementRow.kind == StatementKind.DRAW_FREEZE)
        return list(
            self._s.scalars(
                select(DrawRow)
                .where(DrawRow.draw_id.not_in(done), DrawRow.draw_id.in_(frozen))
                .order_by(DrawRow.commit_deadline_ms)
            )
        )

    def tenders_with(self, kind: str) -> list[str]:
        """Tenders with a statement of ``kind`` and no opening record yet."""
        opened = select(StatementRow.tender_id).where(
            StatementRow.kind == StatementKind.TENDER_OPENING
        )
        query = select(StatementRow.tender_id).where(
            StatementRow.kind == kind, StatementRow.tender_id.not_in(opened)
        )
        return sorted(set(self._s.scalars(query)))

    # -- envelopes -------------------------------------------------------------------------

    def envelope(self, envelope_id: str) -> EnvelopeRow | None:
        return self._s.get(EnvelopeRow, envelope_id)

    def envelope_by_hash(self, envelope_hash: bytes) -> EnvelopeRow | None:
        return self._s.scalars(
            select(EnvelopeRow).where(EnvelopeRow.envelope_hash == envelope_hash)
        ).first()

    def add_envelope(self, row: EnvelopeRow) -> None:
        self._s.add(row)
        self._s.flush()

    def envelopes(self, tender_id: str, purpose: str, draw_key: str = "") -> list[EnvelopeRow]:
        return list(
            self._s.scalars(
                select(EnvelopeRow)
                .where(
                    EnvelopeRow.tender_id == tender_id,
                    EnvelopeRow.purpose == purpose,
                    EnvelopeRow.draw_key == draw_key,
                )
                .order_by(EnvelopeRow.envelope_id)
            )
        )

    # -- opening keys (PROTOCOL.md §9.3) ---------------------------------------------------

    def opening_key(self, key_id: bytes) -> OpeningKeyRow | None:
        """The announcement of this key id anywhere in the deployment, if there is one."""
        return self._s.get(OpeningKeyRow, key_id)

    def add_opening_key(self, row: OpeningKeyRow) -> None:
        self._s.add(row)
        self._s.flush()

    # -- VDF work --------------------------------------------------------------------------------

    def job(self, draw_id: str, *, lock: bool = False) -> VdfJob | None:
        query = select(VdfJob).where(VdfJob.draw_id == draw_id)
        if lock:
            query = query.with_for_update()
        return self._s.scalars(query).first()

    def insert_job(self, job: VdfJob) -> bool:
        """Insert ``job`` unless its draw has a job already; True if this call inserted it.

        Two claimers of a new draw do not collide on the primary key: with ``ON CONFLICT
        DO NOTHING`` the second waits for the first to commit and then inserts nothing,
        so it can lock and read the winner's row instead of failing.
        """
        dialect = self._s.get_bind().dialect.name
        values = {
            "draw_id": job.draw_id,
            "owner": job.owner,
            "lease_until_ms": job.lease_until_ms,
            "attempts": job.attempts,
            "progress": job.progress,
        }
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        query = make(VdfJob).values(values).on_conflict_do_nothing(index_elements=["draw_id"])
        return self._s.execute(query.returning(VdfJob.draw_id)).first() is not None

    def checkpoints(self, draw_id: str) -> list[VdfCheckpointRow]:
        return list(
            self._s.scalars(
                select(VdfCheckpointRow)
                .where(VdfCheckpointRow.draw_id == draw_id)
                .order_by(VdfCheckpointRow.iteration)
            )
        )

    def add_checkpoint(self, draw_id: str, iteration: int, value: bytes) -> None:
        self.add_checkpoints(draw_id, [(iteration, value)])

    def add_checkpoints(self, draw_id: str, checkpoints: Sequence[tuple[int, bytes]]) -> None:
        """Store ``(iteration, value)`` checkpoints in one insert, skipping those already stored."""
        if not checkpoints:
            return
        stored = set(
            self._s.scalars(
                select(VdfCheckpointRow.iteration).where(
                    VdfCheckpointRow.draw_id == draw_id,
                    VdfCheckpointRow.iteration.in_([i for i, _ in checkpoints]),
                )
            )
        )
        rows = [
            {"draw_id": draw_id, "iteration": i, "value": v}
            for i, v in checkpoints
            if i not in stored
        ]
        if rows:
            self._s.execute(insert(VdfCheckpointRow), rows)
