"""Landing-page checks: per record, the last check of its record_url and the consecutive failures (V3).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own (not columns on records): checks change on their own schedule, and writing them must
    # not touch the records' content hash or change sequence.
    op.create_table(
        "landing_checks",
        sa.Column("record_id", sa.String(150), sa.ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source_id", sa.String(100), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("reason", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_landing_checks_source", "landing_checks", ["source_id", "checked_at"])


def downgrade() -> None:
    op.drop_index("ix_landing_checks_source", "landing_checks")
    op.drop_table("landing_checks")
