"""The demo catalogue as a student meets it (issue 14, "Done when"): its facets cover every record that
states or implies a country, ECTS credits or an EQF level, and its ELM export meets the LOQ shapes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.base import SearchQuery
from microcred.demo import load_demo_feeds
from microcred.demo.records import OfferingRecord
from microcred.demo.rich import rich_records
from microcred.demo.setup import start_demo
from microcred.demo.web import demo_web_records
from microcred.wiring import Catalogue, demo_settings
from offerings.export.elm_jsonld import learning_opportunity
from offerings.model import Offering
from offerings.quality import shacl
from tests.conftest import make_settings
from tests.offerings.test_shacl import unexplained, xml_node


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    """``microcred run --demo``'s catalogue: the bundled feeds and web catalogue, harvested once."""
    root: Path = tmp_path_factory.mktemp("demo")
    catalogue = Catalogue(demo_settings(make_settings(root, allow_private_feeds=False)))
    server = start_demo(catalogue)
    try:
        yield catalogue
    finally:
        server.stop()
        catalogue.close()


def _truth() -> dict[str, OfferingRecord]:
    """The demo's own data, by the identifier a harvested record keeps (OAI identifier, or web page key)."""
    found = {r.identifier: r for p in load_demo_feeds().values() for r in p.records() if not r.deleted}
    found |= {f"web:{r.identifier.rsplit(':', 1)[-1]}": r for r in demo_web_records()}
    found |= {r.identifier: r for r in rich_records()}  # the well-described institution, harvested as mco
    return found


def _key(offering: Offering) -> str:
    ident = offering.original_identifier
    if ident.startswith("http"):  # a web page: …/courses/<key>.html
        return "web:" + ident.rsplit("/", 1)[-1].removesuffix(".html")
    return ident


def _live(catalogue: Catalogue) -> list[Offering]:
    return [
        record.offering
        for source in catalogue.store.sources.all()
        for record in catalogue.store.live_records(source.id)
    ]


def test_the_facets_cover_every_record_that_states_them(demo: Catalogue) -> None:
    truth = _truth()
    offerings = _live(demo)
    assert len(offerings) == len(truth) > 60
    stated = {"country": 0, "ects": 0, "eqf": 0}
    for offering in offerings:
        fact = truth[_key(offering)]
        # Every demo record states its country (dc:coverage, addressCountry) and the source is registered with it.
        assert offering.countries == [fact.country], offering.original_identifier
        stated["country"] += 1
        if fact.ects is not None:
            stated["ects"] += 1
        assert offering.ects_credits == fact.ects, offering.original_identifier
        if fact.eqf_level is not None:
            stated["eqf"] += 1
        assert offering.eqf_level == fact.eqf_level, offering.original_identifier
    assert min(stated.values()) > 30
    # What the facets show: every offering found has a country, and the EQF facet counts those with a level.
    page = demo.engine.search(SearchQuery(size=1))
    assert sum(v.count for v in page.facets["country"]) == page.total
    with_level = demo.engine.search(SearchQuery(filters={"eqf_level": tuple("12345678")}, size=1)).total
    assert sum(v.count for v in page.facets["eqf_level"]) == with_level > 30
    credited = demo.engine.search(SearchQuery(ects_min=0.1, size=1)).total
    assert credited > 30


def test_the_demo_export_meets_the_loq_shapes(demo: Catalogue) -> None:
    offerings = _live(demo)
    assert offerings
    for offering in offerings:
        found = shacl.violations(learning_opportunity(offering, page_url="https://catalogue.example/offerings/x"))
        assert unexplained(offering, found) == [], offering.original_identifier
    # The LOQ XML renders the same tree: a sample of it, read back, meets the shapes too.
    for offering in offerings[::10]:
        assert unexplained(offering, shacl.violations(xml_node(offering))) == [], offering.original_identifier
