"""Transparency log, tree heads, certificates, pulses and the pulser's state.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("log_leaves", "log_nodes", "tree_heads", "certificates", "pulses")


def upgrade() -> None:
    op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_log_state_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_state")),
    )
    op.create_table(
        "log_leaves",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("appended_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("leaf_index >= 0", name=op.f("ck_log_leaves_index_nonnegative")),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_log_leaves")),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_tree_heads")),
    )
    op.create_table(
        "certificates",
        sa.Column("certificate_id", sa.LargeBinary(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_certificates")),
    )
    op.create_table(
        "pulses",
        sa.Column("chain_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pulse_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("certificate_id", sa.LargeBinary(length=64), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("output_value", sa.LargeBinary(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.CheckConstraint("pulse_index >= 1", name=op.f("ck_pulses_index_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.certificate_id"],
            name=op.f("fk_pulses_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["tree_size"], ["tree_heads.tree_size"], name=op.f("fk_pulses_tree_size_tree_heads")
        ),
        sa.PrimaryKeyConstraint("chain_index", "pulse_index", name=op.f("pk_pulses")),
        sa.UniqueConstraint("chain_index", "time_ms", name=op.f("uq_pulses_chain_index")),
    )
    op.create_index(op.f("ix_pulses_time_ms"), "pulses", ["time_ms"], unique=False)
    op.create_table(
        "pulser_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pending_chain_index", sa.BigInteger(), nullable=True),
        sa.Column("pending_pulse_index", sa.BigInteger(), nullable=True),
        sa.Column("pending_local_random_value", sa.LargeBinary(length=64), nullable=True),
        sa.Column("new_chain_requested", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_pulser_state_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulser_state")),
    )
    op.execute("INSERT INTO log_state (id, tree_size) VALUES (1, 0)")
    op.execute("INSERT INTO pulser_state (id, new_chain_requested) VALUES (1, false)")
    _append_only_triggers()


def _append_only_triggers() -> None:
    # History is immutable below the application too: any UPDATE or DELETE on
    # these tables aborts, whoever issues it (PROTOCOL.md §7, §8.5).
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return
    op.execute(
        "CREATE FUNCTION beacon_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '23000'; END $$"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION beacon_append_only()"
        )


def downgrade() -> None:
    for table in (
        "pulser_state",
        "pulses",
        "certificates",
        "tree_heads",
        "log_nodes",
        "log_leaves",
        "log_state",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS beacon_append_only()")
