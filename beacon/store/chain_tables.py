"""Tables of the log and the pulse chain (SQLAlchemy 2.0 typed models).

Every table except the two singleton state rows is append-only: rows are
inserted once and never updated or deleted (database triggers refuse it, see the
migration), and primary keys and unique constraints make a fork impossible: one
leaf per index, one subtree hash per position, one pulse per (chain, index) and
per time. The Alembic migration in ``migrations/versions`` creates exactly these
tables; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
}

APPEND_ONLY_TABLES = ("log_leaves", "log_nodes", "tree_heads", "certificates", "pulses")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LogState(Base):
    """The singleton row that appenders lock: the log's current size."""

    __tablename__ = "log_state"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False)


class LogLeaf(Base):
    """One log entry at its index (PROTOCOL.md §7.1)."""

    __tablename__ = "log_leaves"
    __table_args__ = (CheckConstraint("leaf_index >= 0", name="index_nonnegative"),)

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    appended_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class LogNode(Base):
    """The hash of a complete subtree: ``2^level`` leaves from ``position·2^level`` (§7.5)."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class TreeHeadRow(Base):
    """A tree head that some pulse committed to (PROTOCOL.md §7.2, §8.4)."""

    __tablename__ = "tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CertificateRow(Base):
    """A pulse signing certificate, keyed by ``certificateId`` = SHA-512(DER)."""

    __tablename__ = "certificates"

    certificate_id: Mapped[bytes] = mapped_column(LargeBinary(64), primary_key=True)
    der: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class PulseRow(Base):
    """One signed pulse, stored as the exact JSON text served (PROTOCOL.md §8.3)."""

    __tablename__ = "pulses"
    __table_args__ = (
        UniqueConstraint("chain_index", "time_ms"),
        CheckConstraint("pulse_index >= 1", name="index_positive"),
    )

    chain_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    pulse_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    time_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    certificate_id: Mapped[bytes] = mapped_column(
        LargeBinary(64), ForeignKey("certificates.certificate_id"), nullable=False
    )
    tree_size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tree_heads.tree_size"), nullable=False, index=True
    )
    output_value: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)


class PulserState(Base):
    """The singleton row of the pulser: its promise and the operator's request.

    ``pending_local_random_value`` is the value that pulse (``pending_chain_index``,
    ``pending_pulse_index``) must carry, because the previous pulse already
    published its SHA-512 as ``precommitmentValue`` (§8.5): a restarted pulser
    keeps that promise. ``pulse_period_ms`` is the period every process of the
    deployment must be started with.
    """

    __tablename__ = "pulser_state"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pending_chain_index: Mapped[int | None] = mapped_column(BigInteger)
    pending_pulse_index: Mapped[int | None] = mapped_column(BigInteger)
    pending_local_random_value: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    new_chain_requested: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # The deployment's pulse period (beacon.service.period); null until the first start.
    pulse_period_ms: Mapped[int | None] = mapped_column(BigInteger)
