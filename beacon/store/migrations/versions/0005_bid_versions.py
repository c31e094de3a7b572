"""Envelopes numbered per bidder: a bid may be replaced or withdrawn (PROTOCOL.md §9.9 step 3a).

Until now the envelopes table held one bid per bidder per tender. A bidder may now put
a new bid envelope in place of its standing bid, or withdraw it and submit again, before
the bid deadline; every envelope it brought stays (the history is in the log). Each row
gets ``version``, the bidder's n-th envelope of that purpose and draw key (0 for every
existing row, and always 0 for a seed envelope, which is never replaced), and the unique
constraint covers it: still one seed envelope per bidder per draw, one row per bid
version. Which bid stands follows from the statements, never from a stored flag.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ["tender_id", "purpose", "draw_key", "bidder"]


def upgrade() -> None:
    _rebuild(add_version=True)


def downgrade() -> None:
    _rebuild(add_version=False)


def _rebuild(*, add_version: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite cannot drop a constraint in place: the batch copies the table into a new one,
    # which drops its append-only triggers with the old table (DROP TABLE fires none).
    with op.batch_alter_table("envelopes", recreate="always" if sqlite else "auto") as batch:
        batch.drop_constraint(op.f("uq_envelopes_tender_id"), type_="unique")
        if add_version:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
            batch.create_unique_constraint(op.f("uq_envelopes_tender_id"), [*COLUMNS, "version"])
        else:
            batch.drop_column("version")
            batch.create_unique_constraint(op.f("uq_envelopes_tender_id"), COLUMNS)
    if sqlite:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER envelopes_no_{action.lower()} BEFORE {action} ON envelopes "
                "BEGIN SELECT RAISE(ABORT, 'envelopes is append-only'); END"
            )
