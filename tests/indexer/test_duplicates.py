"""One offering, many sources (issue 5 §5): every engine shows a cluster as one result.

A mirror source republishes a corpus offering (same provider, title and credits: the store puts both
records in one cluster). Totals, facet counts, pages and completions must count it once -- the same
answers as before the mirror came -- and when the representative is withdrawn, the mirror's record
takes its place after the next sync: still one result, never none.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from indexer import document
from indexer.base import SearchPage, SearchQuery
from indexer.sqlite import sql
from indexer.sync import sync
from offerings.model import Offering, make_record_id
from offerings.store import Source
from tests.indexer.conftest import CORPUS, Catalogue, make_offering, record_id

KEY = "tum-1"  # "Datenanalyse mit Python", TUM, 5 ECTS
MIRROR = make_record_id("mirror", "copy-of-tum-1")
COUNTED = ("country", "language", "mode", "eqf_level", "provider")


def _mirror() -> Offering:
    """The corpus offering ``KEY`` as a second source publishes it (its own id and page)."""
    original = make_offering(next(row for row in CORPUS if row[0] == KEY))
    return dataclasses.replace(
        original,
        record_id=MIRROR,
        source_id="mirror",
        original_identifier="copy-of-tum-1",
        record_url="https://mirror.example.eu/catalogue/42",
    )


def _add_mirror(catalogue: Catalogue) -> None:
    catalogue.store.sources.add(
        Source(id="mirror", url="https://mirror.example.eu/feed.xml", kind="feed", name="Mirror catalogue")
    )
    assert catalogue.store.upsert(_mirror()) == "added"
    sync(catalogue.store, catalogue.engine)


def _answers(catalogue: Catalogue, q: str = "") -> tuple[int, dict[str, Any], list[str]]:
    page: SearchPage = catalogue.engine.search(SearchQuery(q=q, size=100, facets=COUNTED))
    facets = {name: sorted((v.value, v.count) for v in values) for name, values in page.facets.items()}
    return page.total, facets, [r["id"] for r in page.results]


def test_two_sources_of_one_offering_are_one_result(fresh: Catalogue) -> None:
    before = {q: _answers(fresh, q) for q in ("", "Datenanalyse", "Python")}
    suggested = fresh.engine.suggest("Datenanal")
    _add_mirror(fresh)
    assert fresh.store.get(MIRROR).cluster == record_id(KEY)
    for q, (total, facets, ids) in before.items():
        # The same total, facet counts and results as before the mirror: the offering counts once.
        assert _answers(fresh, q) == (total, facets, ids), q
    assert record_id(KEY) in before["Datenanalyse"][2] and MIRROR not in before["Datenanalyse"][2]
    assert fresh.engine.search(SearchQuery(filters={"source": ("mirror",)})).total == 0
    assert fresh.engine.suggest("Datenanal") == suggested
    # The duplicate is indexed all the same (it is a live record the sync verifies).
    assert (fresh.engine.get(MIRROR) or {}).get("duplicate") is True


def test_the_oldest_other_member_replaces_a_withdrawn_representative(fresh: Catalogue) -> None:
    _add_mirror(fresh)
    total, facets, ids = _answers(fresh, "Datenanalyse")
    fresh.store.delete_many([record_id(KEY)])
    sync(fresh.store, fresh.engine)
    after_total, after_facets, after_ids = _answers(fresh, "Datenanalyse")
    assert after_total == total
    assert after_ids == [MIRROR if i == record_id(KEY) else i for i in ids]
    # Same provider, country, languages ...: only the record behind the result changed.
    assert after_facets == facets
    assert _answers(fresh)[0] == len(CORPUS)
    assert fresh.engine.search(SearchQuery(filters={"source": ("mirror",)})).total == 1


def test_a_document_indexed_before_the_flag_is_known_as_a_duplicate_by_its_cluster() -> None:
    # An index upgraded from its own documents (older formats) has no "duplicate" key to go by.
    base = {"id": "b:1", "title": "Data analysis", "provider": "TUM", "provider_id": "tum", "country": ["DE"]}
    duplicate = sql.document_rows({**base, "cluster": "a:1"})
    assert duplicate.facets == {(sql.DUPLICATE_FACET, "1")} and not duplicate.suggestions and not duplicate.labels
    alone = sql.document_rows({**base, "cluster": "b:1"})
    assert ("country", "DE") in alone.facets and alone.suggestions
    assert not document.is_duplicate({**base, "cluster": "a:1", "duplicate": False})
