"""Search document: each live record's flat search document, computed when the store writes the record.

The index sync used to rebuild every changed ``Offering`` from its JSON only to flatten it again into
the search document; the store now keeps that document beside the record. ``search_hash`` is the
``content_hash`` the document was computed from: a row written by something that does not compute it
(rows from before this revision, a cluster move) has no document or a different hash, and the sync
computes it from the record then (lazily, so this upgrade rewrites no row).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("search", sa.JSON))
        batch.add_column(sa.Column("search_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("search_hash")
        batch.drop_column("search")
