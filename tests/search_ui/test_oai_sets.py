"""OAI-PMH lists of one set, read through the store's set membership (``record_sets``), on SQLite and PostgreSQL.

The oracle is the list without a set: a set's list must be exactly the records of the whole list whose header
names the set, in the same order, paged the same way, with the same ``completeListSize``. The catalogue has
several pages of each set, records in two countries, records that moved between sets, tombstones of both kinds
(a web source's, which keeps the record, and an OAI source's, which empties it) and a record that came back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import update

from offerings.model import Offering, Organisation
from offerings.store import Source, Store
from offerings.store.tables import records
from search_ui.oai.provider import ID_PREFIX, OaiError, Repository
from tests import factories

pytestmark = pytest.mark.stores

OAI = "{http://www.openarchives.org/OAI/2.0/}"
PAGE = 4
UNIS = (
    Organisation(name={"en": "Uni Alpha"}, country="NL"),
    Organisation(name={"en": "Uni Beta"}, country="DE"),
    Organisation(name={"fr": "Université Gamma"}, country="FR"),
)


def _offering(n: int, **changes: Any) -> Offering:
    values: dict[str, Any] = {"provider": [UNIS[n % 3]]}
    if n % 5 == 0:
        values["issuer_country"] = ["NL", "BE"]  # in two country sets, one not its provider's
    return factories.offering(n, **(values | changes))


@pytest.fixture
def repository(store: Store) -> Iterator[Repository]:
    """A provider over a catalogue of 60 offerings that has changed in every way a set can see."""
    store.sources.add(Source(id="src", url="http://127.0.0.1:9/oai"))
    store.upsert_many((_offering(n), None) for n in range(60))
    # Moved: from Uni Alpha (NL) to Uni Beta (DE); its old sets must no longer list it.
    store.upsert(_offering(3, provider=[UNIS[1]]))
    # Tombstones: a web source's delete keeps the record, an OAI source's delete empties it; both stay in
    # the sets they were in.
    store.delete_many([_offering(6).record_id, _offering(10).record_id])
    for n in (9, 15):
        gone = _offering(n)
        store.upsert(
            Offering(
                record_id=gone.record_id,
                source_id="src",
                source_format="oai_dc",
                original_identifier=gone.original_identifier,
                deleted=True,
            )
        )
    # Back again, in another set than before it was deleted.
    store.upsert(_offering(15, provider=[UNIS[2]]))
    store.upsert_many((_offering(n, title={"en": f"Course {n}, revised"}), None) for n in range(40, 50))
    yield Repository(store, "test-secret", name="test", admin_email="a@example.org", page_size=PAGE)


def _pages(repo: Repository, verb: str, **args: str) -> list[etree._Element]:
    pages = [repo.list_records(verb, {"metadataPrefix": "oai_dc", **args}, lambda i: f"http://x/{i}")]
    while (token := pages[-1].find(f"{OAI}resumptionToken")) is not None and token.text:
        pages.append(repo.list_records(verb, {"resumptionToken": token.text}, lambda i: f"http://x/{i}"))
    return pages


def _headers(pages: list[etree._Element]) -> list[tuple[str, bool, tuple[str, ...]]]:
    return [
        (h.findtext(f"{OAI}identifier"), h.get("status") == "deleted", tuple(s.text for s in h.iter(f"{OAI}setSpec")))
        for page in pages
        for h in page.iter(f"{OAI}header")
    ]


def _tokens(pages: list[etree._Element]) -> list[tuple[str | None, str | None]]:
    found = [page.find(f"{OAI}resumptionToken") for page in pages]
    return [(t.get("completeListSize"), t.get("cursor")) for t in found if t is not None]


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_a_set_lists_what_the_whole_list_puts_in_it(repository: Repository, verb: str) -> None:
    everything = _headers(_pages(repository, verb))
    specs = sorted({spec for _, _, header_specs in everything for spec in header_specs})
    assert {"provider:uni-alpha", "provider:uni-beta", "provider:universite-gamma", "country:BE"} <= set(specs)
    for spec in specs:
        pages = _pages(repository, verb, set=spec)
        listed = _headers(pages)
        assert listed == [header for header in everything if spec in header[2]], spec
        expected = len(listed)
        assert [size for size, _ in _tokens(pages)] == [str(expected)] * len(_tokens(pages))
        assert [cursor for _, cursor in _tokens(pages)] == [str(n * PAGE) for n in range(len(_tokens(pages)))]
    alpha = _headers(_pages(repository, verb, set="provider:uni-alpha"))
    assert len(alpha) > 3 * PAGE  # paged inside the set, more than once
    ids = {identifier: deleted for identifier, deleted, _ in alpha}
    record = factories.offering
    # The tombstones stay in the set they were in, the emptied one too, and its header still names the set.
    assert ids[ID_PREFIX + record(6).record_id] and ids[ID_PREFIX + record(9).record_id]
    assert ID_PREFIX + record(3).record_id not in ids  # moved to Uni Beta
    assert ID_PREFIX + record(15).record_id not in ids  # came back as Uni Gamma's
    beta = {identifier for identifier, _, _ in _headers(_pages(repository, verb, set="provider:uni-beta"))}
    assert ID_PREFIX + record(3).record_id in beta


def test_a_set_in_a_date_window(repository: Repository, store: Store) -> None:
    # Half the records a day older: the window then holds only the rest, and the count follows it.
    old = [factories.offering(n).record_id for n in range(0, 60, 2)]
    with store.engine.begin() as conn:
        conn.execute(update(records).where(records.c.id.in_(old)).values(updated_at=datetime(2025, 1, 1)))
    since = (datetime(2025, 1, 1) + timedelta(days=1)).strftime("%Y-%m-%d")
    everything = _headers(_pages(repository, "ListIdentifiers", **{"from": since}))
    pages = _pages(repository, "ListIdentifiers", set="country:NL", **{"from": since})
    listed = _headers(pages)
    assert listed == [header for header in everything if "country:NL" in header[2]]
    assert 0 < len(listed) < len(_headers(_pages(repository, "ListIdentifiers", set="country:NL")))
    assert _tokens(pages)[0][0] == str(len(listed))
    with pytest.raises(OaiError) as caught:
        repository.list_records("ListIdentifiers", {"metadataPrefix": "oai_dc", "set": "country:ZZ"}, str)
    assert caught.value.code == "noRecordsMatch"


def test_get_record_of_an_emptied_tombstone_names_its_sets(repository: Repository) -> None:
    gone = factories.offering(9).record_id
    header = repository.get_record(ID_PREFIX + gone, "oai_dc", str).find(f"{OAI}record/{OAI}header")
    assert header.get("status") == "deleted"
    assert [s.text for s in header.iter(f"{OAI}setSpec")] == ["provider:uni-alpha", "country:NL"]


def test_set_rows_follow_every_write_of_a_sequence_number(repository: Repository, store: Store) -> None:
    from sqlalchemy import select

    from offerings.store.tables import record_sets

    # Written by upserts, tombstones and a direct update alike (the trigger of migration 0011).
    with store.engine.begin() as conn:
        conn.execute(update(records).where(records.c.id == factories.offering(1).record_id).values(seq=10_000))
    query = select(record_sets.c.seq, records.c.seq.label("record_seq")).join(
        records, records.c.id == record_sets.c.record_id
    )
    with store.engine.connect() as conn:
        found = conn.execute(query).all()
    assert len(found) > 60 and all(row.seq == row.record_seq for row in found)
    assert 10_000 in {row.seq for row in found}
