"""Statements, party certificates, registrations, draws, envelopes, VDF jobs and checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = (
    "statements",
    "party_certificates",
    "registrations",
    "draws",
    "envelopes",
    "vdf_checkpoints",
)


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("statement_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("actor", sa.LargeBinary(length=32), nullable=False),
        sa.Column("issued_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leaf_index"],
            ["log_leaves.leaf_index"],
            name=op.f("fk_statements_leaf_index_log_leaves"),
        ),
        sa.PrimaryKeyConstraint("statement_hash", name=op.f("pk_statements")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_statements_leaf_index")),
    )
    op.create_index("ix_statements_tender_subject", "statements", ["tender_id", "subject"])
    op.create_index("ix_statements_subject_kind", "statements", ["subject", "kind"])
    op.create_table(
        "party_certificates",
        sa.Column("fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_party_certificates")),
    )
    op.create_table(
        "registrations",
        sa.Column("tender_id", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_hash"],
            ["statements.statement_hash"],
            name=op.f("fk_registrations_statement_hash_statements"),
        ),
        sa.PrimaryKeyConstraint("tender_id", "fingerprint", name=op.f("pk_registrations")),
    )
    op.create_table(
        "draws",
        sa.Column("draw_id", sa.Text(), nullable=False),
        sa.Column("tender_id", sa.Text(), nullable=False),
        sa.Column("definition", sa.LargeBinary(), nullable=False),
        sa.Column("definition_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("commit_deadline_ms", sa.BigInteger(), nullable=False),
        sa.Column("redraw_of", sa.Text(), nullable=False),
        sa.Column("published_ms", sa.BigInteger(), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_hash"],
            ["statements.statement_hash"],
            name=op.f("fk_draws_statement_hash_statements"),
        ),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_draws")),
    )
    op.create_index("ix_draws_tender", "draws", ["tender_id"])
    op.create_index(op.f("ix_draws_commit_deadline_ms"), "draws", ["commit_deadline_ms"])
    op.create_table(
        "envelopes",
        sa.Column("envelope_id", sa.Text(), nullable=False),
        sa.Column("tender_id", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("draw_key", sa.Text(), nullable=False),
        sa.Column("bidder", sa.LargeBinary(length=32), nullable=False),
        sa.Column("envelope_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_hash"],
            ["statements.statement_hash"],
            name=op.f("fk_envelopes_statement_hash_statements"),
        ),
        sa.PrimaryKeyConstraint("envelope_id", name=op.f("pk_envelopes")),
        sa.UniqueConstraint("envelope_hash", name=op.f("uq_envelopes_envelope_hash")),
        sa.UniqueConstraint("statement_hash", name=op.f("uq_envelopes_statement_hash")),
        sa.UniqueConstraint(
            "tender_id", "purpose", "draw_key", "bidder", name=op.f("uq_envelopes_tender_id")
        ),
    )
    op.create_table(
        "vdf_jobs",
        sa.Column("draw_id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("lease_until_ms", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draws.draw_id"], name=op.f("fk_vdf_jobs_draw_id_draws")
        ),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_vdf_jobs")),
    )
    op.create_table(
        "vdf_checkpoints",
        sa.Column("draw_id", sa.Text(), nullable=False),
        sa.Column("iteration", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draws.draw_id"], name=op.f("fk_vdf_checkpoints_draw_id_draws")
        ),
        sa.PrimaryKeyConstraint("draw_id", "iteration", name=op.f("pk_vdf_checkpoints")),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    # As in 0001: the indexes of the log are as immutable as the log itself.
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION beacon_append_only()"
        )


def downgrade() -> None:
    for table in (
        "vdf_checkpoints",
        "vdf_jobs",
        "envelopes",
        "draws",
        "registrations",
        "party_certificates",
    ):
        op.drop_table(table)
    op.drop_index("ix_statements_subject_kind", table_name="statements")
    op.drop_index("ix_statements_tender_subject", table_name="statements")
    op.drop_table("statements")
