"""The deployment's pulse period, recorded once so that every process agrees on it.

``pulser_state.pulse_period_ms`` holds the period of the deployment: the first web,
pulser or worker process to start records its own (or, on a database that already
holds pulses, the newest pulse's), and every later process refuses to start with
another (beacon.service.period). Only ``beacon pulser --new-chain`` changes it, because
a new period is a new chain (PROTOCOL.md §8.5). Null until the first start.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pulser_state") as batch:
        batch.add_column(sa.Column("pulse_period_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pulser_state") as batch:
        batch.drop_column("pulse_period_ms")
