"""Set membership: which OAI-PMH sets (one per provider, one per country) each record belongs to.

The sets are computed from the offering when it is written and kept in the ``record_sets`` table (migration
0011), so that a list of one set is an indexed query rather than a decoding of every record. A tombstone keeps
the sets its live record had (OAI-PMH ``deletedRecord`` persistent: a harvester following a set must hear of
the delete), even when the source's delete replaced the record with an empty one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from offerings.model import Offering, pick_text
from offerings.store.tables import record_sets
from offerings.vocab import fold

__all__ = ["provider_spec", "set_specs", "stored_specs", "write"]

# A setSpec is colon-separated parts of these characters (OAI-PMH.xsd, setSpecType).
_NOT_SPEC = re.compile(r"[^A-Za-z0-9\-_.!~*'()]+")


def provider_spec(name: str) -> str:
    """The setSpec of the provider called ``name``: ``provider:`` and its name folded to a slug."""
    slug = _NOT_SPEC.sub("", "-".join(fold(name).replace("'", "").split()))[:80]
    return f"provider:{slug or 'unknown'}"


def set_specs(offering: Offering) -> list[str]:
    """The sets ``offering`` belongs to: its first provider's and each of its countries'."""
    specs = [provider_spec(pick_text(offering.provider[0].name))] if offering.provider else []
    return specs + [f"country:{code}" for code in offering.countries]


def rows(record_id: str, seq: int, specs: Iterable[str]) -> list[dict[str, object]]:
    """The ``record_sets`` rows of one record: each set once, in the order :func:`set_specs` gives them."""
    unique = dict.fromkeys(specs)  # a record listing a country twice is in its set once
    return [{"record_id": record_id, "spec": spec, "position": n, "seq": seq} for n, spec in enumerate(unique)]


def write(conn: Connection, written: Iterable[tuple[Offering, int]], *, replace: bool) -> None:
    """Record the sets of offerings just written (each with its new sequence number), inside the store's
    write transaction.

    ``replace``: the records were stored before, and their old sets go. A tombstone's sets are left as
    they were (see the module docstring; the trigger of migration 0011 moves their rows to its new sequence
    number), so a deleted offering writes nothing here.
    """
    live = [(offering, seq) for offering, seq in written if not offering.deleted]
    if not live:
        return
    if replace:
        ids = [offering.record_id for offering, _ in live]
        for start in range(0, len(ids), 500):
            conn.execute(delete(record_sets).where(record_sets.c.record_id.in_(ids[start : start + 500])))
    values = [row for offering, seq in live for row in rows(offering.record_id, seq, set_specs(offering))]
    if values:
        conn.execute(record_sets.insert(), values)


def stored_specs(conn: Connection, record_ids: Iterable[str]) -> dict[str, list[str]]:
    """The stored sets of each of ``record_ids`` (in :func:`set_specs` order; records in none are absent)."""
    wanted = sorted(set(record_ids))
    found: dict[str, list[str]] = {}
    for start in range(0, len(wanted), 500):
        query = (
            select(record_sets.c.record_id, record_sets.c.spec)
            .where(record_sets.c.record_id.in_(wanted[start : start + 500]))
            .order_by(record_sets.c.record_id, record_sets.c.position)
        )
        for row in conn.execute(query):
            found.setdefault(row.record_id, []).append(row.spec)
    return found
