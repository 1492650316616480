"""The demo institutions' OAI-PMH feeds, harvested with sickle over loopback.

The provider is the ``oaipmh`` package (an independent implementation), so these tests also pin what
microcred's harvester will meet: tokens across pages, persistent deleted headers, inclusive ``from``,
runtime changes picked up incrementally, and oai_dc that the crosswalk reads back in full.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import (
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
)

from microcred.demo import (
    FeedServer,
    OfferingRecord,
    Provider,
    load_demo_feeds,
    make_app,
    serve,
    synthetic_provider,
    synthetic_records,
)
from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.oai_dc import to_offering
from offerings.text import parsing

NL = "hogeschool-zuiderzee"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
STAMP = "%Y-%m-%dT%H:%M:%SZ"


class CountingApp:
    """Wraps the WSGI app and counts requests per verb, as a fault-injecting wrapper would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.verbs: Counter[str] = Counter()
        self.fail_next: int = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        match = re.search(r"(?:^|&)verb=(\w+)", query)
        self.verbs[match.group(1) if match else ""] += 1
        if self.fail_next:
            self.fail_next -= 1
            start_response("503 Service Unavailable", [("Retry-After", "0"), ("Content-Type", "text/plain")])
            return [b"busy\n"]
        return self.app(environ, start_response)


@pytest.fixture
def feeds() -> dict[str, Provider]:
    """Fresh demo providers (runtime changes stay inside one test)."""
    providers = load_demo_feeds()
    # The tests below check every provider and record in a loop: none would pass them all unseen.
    assert providers and all(list(p.records()) for p in providers.values())
    return providers


@pytest.fixture
def counting(feeds: dict[str, Provider]) -> CountingApp:
    return CountingApp(make_app(feeds))


@pytest.fixture
def server(counting: CountingApp) -> Iterator[FeedServer]:
    with serve(counting) as running:
        yield running


def harvester(server: FeedServer, slug: str = NL, **kwargs: Any) -> Sickle:
    return Sickle(server.url_for(slug), timeout=10, **kwargs)


def stamp(value: datetime) -> str:
    return value.strftime(STAMP)


def live(provider: Provider) -> list[OfferingRecord]:
    return provider.records(include_deleted=False)


# -- the demo data ------------------------------------------------------------------------------------


def test_demo_catalogue_is_big_varied_and_european(feeds: dict[str, Provider]) -> None:
    offerings = [r for p in feeds.values() for r in live(p)]
    assert len(offerings) >= 66
    assert len({r.language for r in offerings}) >= 3
    countries = {p.institution.country for p in feeds.values()}
    assert "NL" in countries and len(countries) >= 3
    assert len({r.area for r in offerings}) >= 8
    nl_data = [r for r in live(feeds[NL]) if re.search(r"\bdata\b", f"{r.title} {r.description}", re.I)]
    assert len(nl_data) >= 3
    ects = [r.ects for r in offerings]
    assert min(ects) >= 1 and max(ects) <= 15 and any(e != int(e) for e in ects)
    assert {r.eqf_level for r in offerings} >= {4, 5, 6, 7} and 2 <= sum(r.eqf_level is None for r in offerings)
    assert {r.mode for r in offerings} == {"online", "onsite", "blended"}
    starts = [r.start_date for r in offerings]
    assert sum(date(2027, 1, 1) <= s <= date(2027, 12, 31) for s in starts) > len(starts) * 0.8
    assert any(s < date(2026, 11, 1) for s in starts)
    assert any(r.price_eur == 0 for r in offerings) and any(r.price_eur and r.price_eur > 1000 for r in offerings)


def test_every_institution_has_a_few_deletions_and_own_domain(feeds: dict[str, Provider]) -> None:
    identifiers: set[str] = set()
    for provider in feeds.values():
        records = provider.records()
        assert len(records) > 2 * provider.batch_size, "each feed must span three pages"
        assert 2 <= sum(r.deleted for r in records) <= 3
        host = provider.institution.homepage.split("/")[2]
        assert host.endswith(".example")
        assert all(r.landing_url.startswith(f"https://{host}/") for r in records)
        assert all(r.publisher == provider.institution.name for r in records)
        identifiers |= {r.identifier for r in records}
    assert len(identifiers) == sum(len(p) for p in feeds.values())
    assert "oai:demo.hogeschool-zuiderzee.nl:mc-0001" in identifiers


def _facts_match(record: OfferingRecord, text: str) -> None:
    assert parsing.parse_ects(text) == record.ects, text
    assert parsing.parse_eqf(text) == record.eqf_level, text
    assert parsing.parse_modes(text) == [record.mode], text
    assert parsing.parse_start_date(text) == record.start_date, text
    assert parsing.parse_end_date(text) == record.end_date, text
    if record.price_eur == 0:
        assert parsing.says_free(text) and parsing.parse_price(text) is None, text
    else:
        assert parsing.parse_price(text) == (record.price_eur, "EUR") and not parsing.says_free(text), text


def test_every_facts_line_parses_back(feeds: dict[str, Provider]) -> None:
    for record in (r for p in feeds.values() for r in p.records()):
        _facts_match(record, record.facts_line())
        # The crosswalk mines the whole description, so the prose must not contradict the facts.
        _facts_match(record, " \n".join(record.dc_fields()["description"]))


# -- the protocol, through sickle -----------------------------------------------------------------------


def test_identify(server: FeedServer, feeds: dict[str, Provider]) -> None:
    for slug, provider in feeds.items():
        identify = harvester(server, slug).Identify()
        assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
        assert identify.deletedRecord == "persistent"
        assert identify.protocolVersion == "2.0"
        assert identify.baseURL == server.url_for(slug)
        assert provider.institution.name in identify.repositoryName
        assert identify.earliestDatestamp == stamp(min(r.datestamp for r in provider.records()))


def test_list_records_pages_through_every_record_once(
    server: FeedServer, feeds: dict[str, Provider], counting: CountingApp
) -> None:
    for slug, provider in feeds.items():
        before = counting.verbs["ListRecords"]
        seen = [r.header.identifier for r in harvester(server, slug).ListRecords(metadataPrefix="oai_dc")]
        assert counting.verbs["ListRecords"] - before >= 3
        assert sorted(seen) == sorted({r.identifier for r in provider.records()})
        assert len(seen) == len(set(seen))


def test_deleted_records_come_back_as_deleted_headers(server: FeedServer, feeds: dict[str, Provider]) -> None:
    expected = {r.identifier for r in feeds[NL].records() if r.deleted}
    records = list(harvester(server).ListRecords(metadataPrefix="oai_dc"))
    deleted = [r for r in records if r.header.deleted]
    assert {r.header.identifier for r in deleted} == expected
    assert all(r.xml.find(f".//{{{OAI_NS}}}metadata") is None for r in deleted)
    headers = list(harvester(server).ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=True))
    assert {h.identifier for h in headers}.isdisjoint(expected)


def test_from_and_until_are_inclusive(server: FeedServer, feeds: dict[str, Provider]) -> None:
    records = sorted(feeds[NL].records(), key=lambda r: r.datestamp)
    pivot = records[len(records) // 2].datestamp
    since = harvester(server).ListIdentifiers(metadataPrefix="oai_dc", **{"from": stamp(pivot)})
    assert {h.identifier for h in since} == {r.identifier for r in records if r.datestamp >= pivot}
    exact = harvester(server).ListIdentifiers(metadataPrefix="oai_dc", **{"from": stamp(pivot), "until": stamp(pivot)})
    assert [h.identifier for h in exact] == [r.identifier for r in records if r.datestamp == pivot]
    day = harvester(server).ListIdentifiers(metadataPrefix="oai_dc", until=pivot.strftime("%Y-%m-%d"))
    assert {h.identifier for h in day} == {r.identifier for r in records if r.datestamp.date() <= pivot.date()}


def test_future_from_is_no_records_match(server: FeedServer) -> None:
    with pytest.raises(NoRecordsMatch):
        list(harvester(server).ListRecords(metadataPrefix="oai_dc", **{"from": "2099-01-01T00:00:00Z"}))


def test_incremental_harvest_sees_exactly_the_runtime_changes(server: FeedServer, feeds: dict[str, Provider]) -> None:
    provider = feeds[NL]
    latest = max(r.datestamp for r in provider.records())
    # A clock just after the newest datestamp keeps the test independent of the machine's date.
    changed_at = max(datetime.now(UTC).replace(tzinfo=None, microsecond=0), latest) + timedelta(minutes=5)
    provider.clock = lambda: changed_at
    target = live(provider)[0]
    provider.put(replace(target, title=target.title + " (herzien)"))
    added = provider.put(replace(target, identifier="oai:demo.hogeschool-zuiderzee.nl:mc-9001", title="Nieuw"))
    removed = provider.delete(live(provider)[5].identifier)

    records = list(harvester(server).ListRecords(metadataPrefix="oai_dc", **{"from": stamp(changed_at)}))
    by_id = {r.header.identifier: r for r in records}
    assert set(by_id) == {target.identifier, added.identifier, removed.identifier}
    assert by_id[target.identifier].metadata["title"] == [target.title + " (herzien)"]
    assert by_id[target.identifier].metadata["date"] == [stamp(changed_at)]
    assert by_id[removed.identifier].header.deleted
    assert all(r.header.datestamp == stamp(changed_at) for r in records)
    with pytest.raises(NoRecordsMatch):
        list(
            harvester(server).ListRecords(metadataPrefix="oai_dc", **{"from": stamp(changed_at + timedelta(seconds=1))})
        )


def test_get_record(server: FeedServer, feeds: dict[str, Provider]) -> None:
    record = live(feeds[NL])[0]
    got = harvester(server).GetRecord(identifier=record.identifier, metadataPrefix="oai_dc")
    assert got.metadata["title"] == [record.title]
    assert got.metadata["publisher"] == ["Hogeschool Zuiderzee"]
    assert got.metadata["coverage"] == ["Netherlands"]
    assert got.metadata["identifier"] == [record.landing_url]
    assert got.metadata["type"] == ["Course"]
    gone = next(r for r in feeds[NL].records() if r.deleted)
    assert harvester(server).GetRecord(identifier=gone.identifier, metadataPrefix="oai_dc").header.deleted
    with pytest.raises(IdDoesNotExist):
        harvester(server).GetRecord(identifier="oai:demo.hogeschool-zuiderzee.nl:nope", metadataPrefix="oai_dc")
    with pytest.raises(CannotDisseminateFormat):
        harvester(server).GetRecord(identifier=record.identifier, metadataPrefix="marcxml")


def test_crosswalk_recovers_every_value(server: FeedServer, feeds: dict[str, Provider]) -> None:
    for slug, provider in feeds.items():
        context = SourceContext(source_id=slug)
        for item in harvester(server, slug).ListRecords(metadataPrefix="oai_dc", ignore_deleted=True):
            record = provider.get(item.header.identifier)
            assert record is not None
            payload = etree.tostring(item.xml.find(f".//{{{OAI_DC_NS}}}dc"))
            source = SourceRecord(identifier=record.identifier, payload=payload, datestamp=item.header.datestamp)
            offering = to_offering(source, context)
            assert offering.title == {record.language: record.title}
            assert offering.languages_of_instruction == [record.language]
            assert offering.ects_credits == record.ects
            assert offering.eqf_level == record.eqf_level
            assert offering.mode == [record.mode]
            assert offering.instances[0].start_date == record.start_date
            assert offering.instances[0].end_date == record.end_date
            if record.price_eur == 0:
                assert offering.is_free is True and offering.instances[0].price == []
            else:
                assert offering.is_free is None
                assert [(p.amount, p.currency) for p in offering.instances[0].price] == [(record.price_eur, "EUR")]
            assert offering.subjects == list(record.subjects)
            # The field of education travels as an ISCED-F code among the subjects (the home page browses it).
            assert record.fields and offering.isced_f == list(record.fields)
            assert offering.provider[0].name == {record.language: provider.institution.name}
            assert offering.issuer_country == [provider.institution.country]
            assert offering.record_url == record.landing_url
            assert offering.offering_type == ["course"]
            assert offering.source_last_modified == item.header.datestamp


def test_sets_and_protocol_errors(server: FeedServer, feeds: dict[str, Provider]) -> None:
    sickle = harvester(server)
    specs = {s.setSpec for s in sickle.ListSets()}
    assert specs == {r.area for r in feeds[NL].records()}
    in_set = {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="data-science")}
    assert in_set == {r.identifier for r in feeds[NL].records() if r.area == "data-science"}
    assert [f.metadataPrefix for f in sickle.ListMetadataFormats()] == ["oai_dc"]
    with pytest.raises(CannotDisseminateFormat):
        list(sickle.ListRecords(metadataPrefix="marcxml"))
    with pytest.raises(BadResumptionToken):
        list(sickle.ListRecords(resumptionToken="not-a-token"))
    with pytest.raises(BadArgument):
        list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2026-01-01", "until": "2026-12-31T00:00:00Z"}))
    repeated = requests.get(server.url_for(NL), params=[("verb", "Identify"), ("verb", "Identify")], timeout=10)
    assert repeated.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert 'code="badArgument"' in repeated.text


def test_http_surface(server: FeedServer, feeds: dict[str, Provider]) -> None:
    index = requests.get(server.base_url + "/", timeout=10)
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    assert all(server.url_for(slug) in index.text for slug in feeds)
    assert requests.get(server.base_url + "/nowhere/oai", timeout=10).status_code == 404
    posted = requests.post(server.url_for(NL), data={"verb": "Identify"}, timeout=10)
    assert posted.status_code == 200 and "<granularity>" in posted.text
    assert requests.delete(server.url_for(NL), timeout=10).status_code == 405


def test_wrapped_app_can_inject_faults(server: FeedServer, counting: CountingApp) -> None:
    counting.fail_next = 1
    records = list(harvester(server, max_retries=2).ListRecords(metadataPrefix="oai_dc"))
    assert len(records) == 24 and counting.verbs["ListRecords"] >= 4


def test_concurrent_changes_while_harvesting(server: FeedServer, feeds: dict[str, Provider]) -> None:
    provider = feeds[NL]
    template = live(provider)[0]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(50):
                provider.put(replace(template, identifier=f"oai:demo.hogeschool-zuiderzee.nl:zz-{n}-{i:03d}"))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    harvested = [h.identifier for h in harvester(server).ListIdentifiers(metadataPrefix="oai_dc")]
    for thread in threads:
        thread.join()
    assert not errors
    assert len(provider) == 24 + 200
    # New identifiers sort after the old ones, so every original record was seen exactly once.
    originals = [i for i in harvested if ":mc-" in i]
    assert sorted(originals) == sorted(r.identifier for r in provider.records() if ":mc-" in r.identifier)


# -- synthetic records for benchmarks -------------------------------------------------------------------


def test_synthetic_records_are_reproducible_varied_and_parse_back() -> None:
    records = synthetic_records(1000)
    assert records == synthetic_records(1000) and records != synthetic_records(1000, seed=1)
    assert len({r.identifier for r in records}) == 1000
    assert len({r.language for r in records}) >= 5
    assert len({r.country for r in records}) >= 8
    assert len({r.title for r in records}) >= 200
    assert 10 <= sum(r.deleted for r in records) <= 60
    for record in records:
        _facts_match(record, " \n".join(record.dc_fields()["description"]))
        assert vocab.country_code(record.dc_fields()["coverage"][0]) == record.country


def test_synthetic_feed_of_1000_harvests_completely() -> None:
    provider = synthetic_provider(1000, batch_size=100)
    with serve({"synthetic": provider}) as running:
        harvested = [r.header.identifier for r in harvester(running, "synthetic").ListRecords(metadataPrefix="oai_dc")]
    assert len(harvested) == 1000 == len(set(harvested))
