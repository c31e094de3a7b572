"""Pulses indexed by the tree size they commit (PROTOCOL.md §8.4, §13.3).

Receipts, proof bundles (their witnesses) and the draw phase look up "the first
pulse whose tree head covers leaf L". Tree sizes never decrease with time, so that
pulse is the first by (tree_size, time): with this index the lookup reads one row
instead of scanning the pulses of the whole chain in time order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_pulses_tree_size"), "pulses", ["tree_size"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pulses_tree_size"), table_name="pulses")
