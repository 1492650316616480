"""Full record: duplicate cluster, match keys, Annex I core count and computed status on records.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        # The same offering reached through several sources shares one cluster (docs/normalisation.md §3.7).
        batch.add_column(sa.Column("cluster", sa.String(150)))
        batch.add_column(sa.Column("match_url", sa.String(40)))
        batch.add_column(sa.Column("match_title", sa.String(40)))
        batch.add_column(sa.Column("core_present", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("status", sa.String(20)))
    op.create_index("ix_records_cluster", "records", ["cluster"])
    op.create_index("ix_records_match_url", "records", ["match_url"])
    op.create_index("ix_records_match_title", "records", ["match_title"])


def downgrade() -> None:
    op.drop_index("ix_records_match_title", "records")
    op.drop_index("ix_records_match_url", "records")
    op.drop_index("ix_records_cluster", "records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("status")
        batch.drop_column("core_present")
        batch.drop_column("match_title")
        batch.drop_column("match_url")
        batch.drop_column("cluster")
