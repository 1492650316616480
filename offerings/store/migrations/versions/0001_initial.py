"""Initial schema: sources, harvest_runs, records, counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("sets", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("every_seconds", sa.Integer, nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("contact_email", sa.Text),
        sa.Column("metadata_prefix", sa.String(100)),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("probe", sa.JSON),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("next_due_at", sa.DateTime),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.DateTime),
    )
    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(100), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("from_date", sa.String(30)),
        sa.Column("until_date", sa.String(30)),
        sa.Column("response_date", sa.String(30)),
        sa.Column("seen", sa.Integer, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("wait_seconds", sa.Float, nullable=False),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("notes", sa.JSON, nullable=False),
    )
    op.create_index("ix_harvest_runs_source", "harvest_runs", ["source_id", "id"])
    op.create_table(
        "records",
        sa.Column("id", sa.String(150), primary_key=True),
        sa.Column("source_id", sa.String(100), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("original_identifier", sa.Text, nullable=False),
        sa.Column("source_format", sa.String(40), nullable=False),
        sa.Column("raw", sa.LargeBinary),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("completeness", sa.Integer, nullable=False),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("quality", sa.JSON, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("datestamp", sa.String(30)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_records_seq", "records", ["seq"], unique=True)
    op.create_index("ix_records_source", "records", ["source_id", "deleted"])
    op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.bulk_insert(sa.table("counters", sa.column("name"), sa.column("value")), [{"name": "seq", "value": 0}])


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_index("ix_records_source", "records")
    op.drop_index("ix_records_seq", "records")
    op.drop_table("records")
    op.drop_index("ix_harvest_runs_source", "harvest_runs")
    op.drop_table("harvest_runs")
    op.drop_table("sources")
