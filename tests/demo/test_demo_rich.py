"""The well-described demo institution: its feed offers microcred's native format, and what it carries reads back whole.

Harvested with sickle over loopback from the same ``oaipmh`` provider as the other demo feeds; the
``mco`` crosswalk must give back offerings that are Annex I complete, with ESCO skills and their labels,
ISCED-F fields, several runs with deadlines, QA, prerequisites and stackability, so the demo shows the
catalogue's range (issue 12, item 8).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree
from sickle import Sickle

from microcred.demo import FeedServer, make_app, serve
from microcred.demo.rich import RICH_SLUG, rich_offerings, rich_provider
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.crosswalks.mco import NS as MCO_NS
from offerings.quality.completeness import TIER_COMPLETE, assess


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with serve(make_app({RICH_SLUG: rich_provider()})) as running:
        yield running


def test_the_feed_offers_the_native_format(server: FeedServer) -> None:
    sickle = Sickle(server.url_for(RICH_SLUG), timeout=10)
    prefixes = {f.metadataPrefix: f.metadataNamespace for f in sickle.ListMetadataFormats()}
    assert prefixes == {"oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/", "mco": MCO_NS}


def test_offerings_read_back_whole_and_complete(server: FeedServer) -> None:
    sickle = Sickle(server.url_for(RICH_SLUG), timeout=10)
    expected = {o.main_title: o for o in rich_offerings()}
    read = []
    for item in sickle.ListRecords(metadataPrefix="mco"):
        payload = etree.tostring(item.xml.find(f".//{{{MCO_NS}}}record"))
        record = SourceRecord(identifier=item.header.identifier, payload=payload, datestamp=item.header.datestamp)
        read.append(CROSSWALKS["mco"](record, SourceContext(source_id=f"demo-{RICH_SLUG}")))
    assert sorted(o.main_title for o in read) == sorted(expected)
    for offering in read:
        source = expected[offering.main_title]
        assert offering.learning_outcomes == source.learning_outcomes
        assert offering.esco_skills == source.esco_skills and all(s.label for s in offering.esco_skills)
        assert offering.isced_f == source.isced_f and offering.isced_f
        assert len(offering.instances) >= 2 and all(i.application_deadline for i in offering.instances)
        assert offering.quality_assurance and offering.prerequisites and offering.stackability
        assert offering.assessment_types
        assert assess(offering).tier == TIER_COMPLETE, offering.main_title
