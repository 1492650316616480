"""A source's own alert webhook, a "harvest now" asked for while it runs, and each run's completeness.

- ``sources.webhook_url`` / ``sources.webhook_secret``: the HEI's optional webhook, signed with a secret of
  its own (the operator's ``health.webhook_secret`` is never shared with a registrant).
- ``sources.harvest_requested``: "harvest now" arrived; cleared by the claim that starts the run covering it,
  so one that arrives while a run is under way survives that run's rescheduling.
- ``harvest_runs.completeness``: the mean completeness of the source's live offerings after the run, so the
  next run can tell whether it dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, never a batch copy: on SQLite a copy drops the old sources table, and with
    # foreign keys on that drop would cascade to every record and run of every source.
    op.add_column("sources", sa.Column("webhook_url", sa.Text))
    op.add_column("sources", sa.Column("webhook_secret", sa.String(100)))
    op.add_column("sources", sa.Column("harvest_requested", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("harvest_runs", sa.Column("completeness", sa.Float))


def downgrade() -> None:
    # ALTER TABLE DROP COLUMN (SQLite 3.35+), for the same reason as above.
    op.drop_column("harvest_runs", "completeness")
    op.drop_column("sources", "harvest_requested")
    op.drop_column("sources", "webhook_secret")
    op.drop_column("sources", "webhook_url")
