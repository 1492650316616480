"""Source-given dates as text: records.datestamp and the OAI dates of harvest_runs without a length limit.

These hold what a data provider sends (an OAI header datestamp, an OAI responseDate, a feed's Last-Modified),
kept verbatim for provenance. They were VARCHAR(30), which SQLite never enforces but PostgreSQL does: a
provider sending fractional seconds and an offset ("2026-11-29T17:46:00.1234567+01:00", 33 characters) made
the whole batch fail there while SQLite stored it. Text on every server, so both backends accept the same.

SQLite is left alone: it ignores VARCHAR lengths already, and changing a column type there rebuilds the whole
table (minutes for a million records) for no change in behaviour. On PostgreSQL VARCHAR to TEXT is a
catalogue-only change (no table rewrite).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = [
    ("records", "datestamp"),
    ("harvest_runs", "from_date"),
    ("harvest_runs", "until_date"),
    ("harvest_runs", "response_date"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.Text, existing_type=sa.String(30))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(30), existing_type=sa.Text)
