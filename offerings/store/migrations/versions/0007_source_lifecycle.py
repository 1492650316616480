"""A source's lifecycle: every status transition (who, when, why), its proof of ownership, and problems reported
on its offerings.

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


    op.create_table(
        "offering_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(150), sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.String(100), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("contact", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("settled_by", sa.Text),
        sa.Column("settled_at", sa.DateTime),
    )
    op.create_index("ix_offering_reports_source_id", "offering_reports", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_offering_reports_source_id", "offering_reports")
    op.drop_table("offering_reports")
    op.drop_table("source_verifications")
    op.drop_index("ix_source_transitions_source_id", "source_transitions")
    op.drop_table("source_transitions")
