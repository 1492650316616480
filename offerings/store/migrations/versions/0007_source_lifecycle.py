"""A source's lifecycle: every status transition (who, when, why) and its proof of ownership.

Tables of their own (offerings/store/lifecycle.py), not columns on sources: the history grows, and the
registry's columns stay as they are.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(100), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_source_transitions_source_id", "source_transitions", ["source_id"])
    op.create_table(
        "source_verifications",
        sa.Column("source_id", sa.String(100), sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("token", sa.String(100), nullable=False),
        sa.Column("mail_token", sa.String(100), nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("mailed_at", sa.DateTime),
        sa.Column("confirmed_at", sa.DateTime),
        sa.Column("method", sa.String(20)),
    )


def downgrade() -> None:
    op.drop_table("source_verifications")
    op.drop_index("ix_source_transitions_source_id", "source_transitions")
    op.drop_table("source_transitions")
