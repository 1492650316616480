"""OAI-PMH set membership in a table: ``record_sets``, one row per record and set (provider, country).

ListRecords and ListIdentifiers of a set used to decode every stored record to find the set's members and
count them; with this table both are indexed queries. The rows of the records already stored are computed
here, in batches, from their stored offerings (tombstones included: one whose document still names its
provider and countries stays in their sets).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "record_sets",
        sa.Column("spec", sa.String(100), primary_key=True),
        sa.Column(
            "record_id", sa.String(150), sa.ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_record_sets_record", "record_sets", ["record_id"])
    op.create_index("ix_record_sets_spec_seq", "record_sets", ["spec", "seq"])
    _fill()
    # Every write of a record's sequence number (an upsert, a tombstone, a cluster move, a landing check's
    # quality change) carries over to its sets' rows, in the same statement: none can be forgotten.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION record_sets_follow_seq() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE record_sets SET seq = NEW.seq WHERE record_id = NEW.id; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER records_seq_to_sets AFTER UPDATE OF seq ON records FOR EACH ROW "
            "WHEN (OLD.seq IS DISTINCT FROM NEW.seq) EXECUTE FUNCTION record_sets_follow_seq()"
        )
    else:
        op.execute(
            "CREATE TRIGGER records_seq_to_sets AFTER UPDATE OF seq ON records WHEN OLD.seq IS NOT NEW.seq "
            "BEGIN UPDATE record_sets SET seq = NEW.seq WHERE record_id = NEW.id; END"
        )


def _fill() -> None:
    from offerings.model import Offering
    from offerings.store.sets import rows, set_specs

    conn = op.get_bind()
    records = sa.table("records", sa.column("id", sa.String), sa.column("seq"), sa.column("document", sa.JSON))
    record_sets = sa.table(
        "record_sets",
        sa.column("spec", sa.String),
        sa.column("record_id", sa.String),
        sa.column("position"),
        sa.column("seq"),
    )
    after = ""
    while True:
        batch = conn.execute(
            sa.select(records.c.id, records.c.seq, records.c.document)
            .where(records.c.id > after)
            .order_by(records.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        values = [
            value for row in batch for value in rows(row.id, row.seq, set_specs(Offering.from_dict(row.document)))
        ]
        if values:
            conn.execute(record_sets.insert(), values)
        after = batch[-1].id


def downgrade() -> None:
    op.execute("DROP TRIGGER records_seq_to_sets" + (" ON records" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION record_sets_follow_seq()")
    op.drop_index("ix_record_sets_spec_seq", table_name="record_sets")
    op.drop_index("ix_record_sets_record", table_name="record_sets")
    op.drop_table("record_sets")
