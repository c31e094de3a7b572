"""Tables of the draw service: statements, identities, draws, envelopes, VDF work.

Statements, registrations, certificates, draws, envelopes and VDF checkpoints
are append-only (triggers refuse UPDATE and DELETE, as for the log): the log is
the record, and these tables are its indexes. Only ``vdf_jobs`` changes, because
a lease is a lock, not history. A draw's phase is derived from its statements
(:mod:`beacon.core.lifecycle`) and stored nowhere.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.chain_tables import Base

APPEND_ONLY_RECORDS = (
    "statements",
    "party_certificates",
    "registrations",
    "draws",
    "envelopes",
    "vdf_checkpoints",
    "opening_keys",
)


class StatementRow(Base):
    """One accepted statement, indexed; its bytes are its log leaf's entry."""

    __tablename__ = "statements"
    __table_args__ = (
        Index("ix_statements_tender_subject", "tender_id", "subject"),
        Index("ix_statements_subject_kind", "subject", "kind"),
    )

    statement_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("log_leaves.leaf_index"), nullable=False, unique=True
    )
    tender_id: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    issued_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    received_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PartyCertificate(Base):
    """A party certificate seen in a statement, by SHA-256 fingerprint."""

    __tablename__ = "party_certificates"

    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    der: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)


class Registration(Base):
    """A certificate's role in one tender (PROTOCOL.md §3.3): one role per fingerprint."""

    __tablename__ = "registrations"

    tender_id: Mapped[str] = mapped_column(Text, primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    statement_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), ForeignKey("statements.statement_hash"), nullable=False
    )


class DrawRow(Base):
    """A published definition (the draft's statement); never edited."""

    __tablename__ = "draws"
    __table_args__ = (Index("ix_draws_tender", "tender_id"),)

    draw_id: Mapped[str] = mapped_column(Text, primary_key=True)
    tender_id: Mapped[str] = mapped_column(Text, nullable=False)
    definition: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    definition_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    commit_deadline_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    redraw_of: Mapped[str] = mapped_column(Text, nullable=False)
    published_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    statement_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), ForeignKey("statements.statement_hash"), nullable=False
    )


class EnvelopeRow(Base):
    """A submitted envelope: its metadata here, its bytes in the blob directory."""

    __tablename__ = "envelopes"
    __table_args__ = (
        # One seed envelope per bidder per draw, and a bidder's bids in a tender numbered
        # 0, 1, 2, … as it submits, replaces and resubmits them (PROTOCOL.md §9.9 step 3a;
        # ``draw_key`` is the draw id for seeds and "" for bids: never NULL).
        UniqueConstraint("tender_id", "purpose", "draw_key", "bidder", "version"),
    )

    envelope_id: Mapped[str] = mapped_column(Text, primary_key=True)
    tender_id: Mapped[str] = mapped_column(Text, nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    draw_key: Mapped[str] = mapped_column(Text, nullable=False)
    bidder: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    envelope_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    statement_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), ForeignKey("statements.statement_hash"), nullable=False, unique=True
    )
    # The bidder's n-th envelope of this purpose and draw key: always 0 for a seed envelope,
    # which is never replaced; whether a bid is standing follows from the log.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class OpeningKeyRow(Base):
    """An announced opening key (PROTOCOL.md §9.3): a key id is announced once per deployment.

    The primary key makes a second announcement of the same key, by any role, in
    any draw or tender, impossible even between two concurrent transactions.
    """

    __tablename__ = "opening_keys"

    key_id: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    tender_id: Mapped[str] = mapped_column(Text, nullable=False)
    # The draw id for a draw key, "" for a tender key.
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    statement_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), ForeignKey("statements.statement_hash"), nullable=False, unique=True
    )


class VdfJob(Base):
    """Who computes a draw's VDF: a lease that a live worker renews."""

    __tablename__ = "vdf_jobs"

    draw_id: Mapped[str] = mapped_column(Text, ForeignKey("draws.draw_id"), primary_key=True)
    owner: Mapped[str] = mapped_column(Text, nullable=False)
    lease_until_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    progress: Mapped[int] = mapped_column(BigInteger, nullable=False)


class VdfCheckpointRow(Base):
    """One retained VDF checkpoint: x^(2^iteration), ``iteration`` squarings done (PROTOCOL.md §11.5)."""

    __tablename__ = "vdf_checkpoints"

    draw_id: Mapped[str] = mapped_column(Text, ForeignKey("draws.draw_id"), primary_key=True)
    iteration: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    value: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
