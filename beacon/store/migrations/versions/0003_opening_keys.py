"""Announced opening keys, one row per key id in the deployment (PROTOCOL.md §9.3).

Nothing is backfilled: announcements logged before this revision have the body of
the previous format (no proof of possession), which this version does not decode.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opening_keys",
        sa.Column("key_id", sa.LargeBinary(length=32), nullable=False),
        sa.Column("tender_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_hash"],
            ["statements.statement_hash"],
            name=op.f("fk_opening_keys_statement_hash_statements"),
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_opening_keys")),
        sa.UniqueConstraint("statement_hash", name=op.f("uq_opening_keys_statement_hash")),
    )
    bind = op.get_bind()
    # As in 0001 and 0002: the index of the log is as immutable as the log itself.
    if bind.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER opening_keys_no_{action.lower()} BEFORE {action} ON opening_keys "
                "BEGIN SELECT RAISE(ABORT, 'opening_keys is append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER opening_keys_append_only BEFORE UPDATE OR DELETE ON opening_keys "
        "FOR EACH ROW EXECUTE FUNCTION beacon_append_only()"
    )


def downgrade() -> None:
    op.drop_table("opening_keys")
