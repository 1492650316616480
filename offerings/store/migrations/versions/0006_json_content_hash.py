"""Content hashes over the record's stored JSON form (orjson), so a write serialises each record once.

The store used to serialise a record twice: ``json.dumps(sort_keys=True)`` for its content hash and again
for the ``document`` column. Both are now one ``Offering.to_json()``, and the hash is over those bytes
(without ``harvest_datestamp``). The old hashes would make the next harvest of every source see each record
as changed and rewrite it with a new sequence number (the change feed would list the whole catalogue as
updated); this revision recomputes every stored hash from the stored record instead, in batches, and the
search document's ``search_hash`` with it where it matched. Rows are not otherwise rewritten: ``seq`` and
``updated_at`` stay.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    from offerings.model import Offering

    conn = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id", sa.String),
        sa.column("document", sa.JSON),
        sa.column("content_hash", sa.String),
        sa.column("search_hash", sa.String),
    )
    after = ""
    while True:
        rows = conn.execute(
            sa.select(records.c.id, records.c.document, records.c.content_hash, records.c.search_hash)
            .where(records.c.id > after)
            .order_by(records.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for row in rows:
            offering = Offering.from_dict(row.document)
            digest = offering.content_hash()
            search_hash = digest if row.search_hash is not None and row.search_hash == row.content_hash else None
            updates.append({"b_id": row.id, "content_hash": digest, "search_hash": search_hash})
        conn.execute(
            records.update()
            .where(records.c.id == sa.bindparam("b_id"))
            .values(content_hash=sa.bindparam("content_hash"), search_hash=sa.bindparam("search_hash")),
            updates,
        )
        after = rows[-1].id


def downgrade() -> None:
    # The old hashes cannot be told from the new ones afterwards; an older microcred reading these rows
    # rewrites each record once, on its next harvest, as it did when a record's normalisation changed.
    pass
