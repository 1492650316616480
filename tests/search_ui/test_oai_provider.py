"""The OAI-PMH data provider at /oai: every verb and error against the OAI-PMH 2.0 schema, paging, windows,
sets and deletes; harvested on loopback by sickle and by microcred's own harvester into a mirror."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from lxml import etree
from sickle import Sickle
from sqlalchemy import update

from config import load_settings
from harvesters.runner import harvest_source
from microcred.demo.server import FeedServer, serve
from offerings.crosswalks.mco import IDENTITY
from offerings.errors import ConfigError
from offerings.store import Source, Store
from offerings.store.tables import records
from search_ui import create_app
from search_ui.oai.provider import ID_PREFIX
from tests.conftest import make_settings
from tests.search_ui.conftest import Catalogue, build_catalogue, rid
from tests.search_ui.oai_schema import assert_valid, schema

OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
PAGE = 7
SALT = "microcred-oai-resumption"


@pytest.fixture
def paged_app(app: Flask) -> Flask:
    app.config["OAI_PAGE_SIZE"] = PAGE
    return app


@pytest.fixture
def oai(paged_app: Flask) -> FlaskClient:
    return paged_app.test_client()


def get(client: FlaskClient, **args: str) -> etree._Element:
    response = client.get("/oai", query_string=args)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return assert_valid(response.data)


def error_code(root: etree._Element) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


def test_identify(oai: FlaskClient) -> None:
    root = get(oai, verb="Identify")
    identify = root.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f"{OAI}baseURL") == "http://localhost/oai"
    assert root.find(f"{OAI}request").get("verb") == "Identify"


def test_identify_names_the_configured_admin_email(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    assert built.settings.oai.admin_email == "operator@microcred.invalid"  # the default, deliberately undeliverable
    settings = load_settings(
        {"data_dir": str(tmp_path / "var"), "api": {"rate_limit": ""}},
        environ={"MICROCRED_OAI__ADMIN_EMAIL": "catalogue@uni.example.eu"},
    )
    client = create_app(settings, store=built.store, engine=built.engine).test_client()
    identify = get(client, verb="Identify").find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}adminEmail") == "catalogue@uni.example.eu"
    with pytest.raises(ConfigError, match="admin_email"):
        load_settings(environ={"MICROCRED_OAI__ADMIN_EMAIL": "operator@localhost"})  # not OAI-PMH's emailType
    built.engine.close()
    built.store.close()


def test_metadata_formats_and_the_native_schema(oai: FlaskClient) -> None:
    root = get(oai, verb="ListMetadataFormats", identifier=ID_PREFIX + rid("nl-1"))
    formats = {f.findtext(f"{OAI}metadataPrefix"): f for f in root.iter(f"{OAI}metadataFormat")}
    assert set(formats) == {"oai_dc", "mco"}
    assert formats["mco"].findtext(f"{OAI}schema") == "http://localhost/oai/mco.xsd"
    served = oai.get("/oai/mco.xsd")
    assert served.status_code == 200 and b"https://microcred.eu/ns/mco/1.0/" in served.data
    etree.XMLSchema(etree.fromstring(served.data))  # a schema, not just a file


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Explode"}, "badVerb"),
        ({"verb": "Identify", "set": "x"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-1-1"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-01", "until": "2025-01-01T00:00:00Z"},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-01-02", "until": "2025-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "not-ours"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "identifier": "oai:elsewhere:1", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "GetRecord", "identifier": ID_PREFIX + "nope", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "GetRecord", "identifier": ID_PREFIX + "x"}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": "2000-01-01"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "country:ZZ"}, "noRecordsMatch"),
    ],
)
def test_protocol_errors(oai: FlaskClient, args: dict[str, str], code: str) -> None:
    root = get(oai, **args)
    assert error_code(root) == code
    if code in ("badVerb", "badArgument"):
        assert root.find(f"{OAI}request").attrib == {}


def test_repeated_argument_is_bad(oai: FlaskClient) -> None:
    response = oai.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=mco")
    assert error_code(assert_valid(response.data)) == "badArgument"


def test_the_schema_check_can_fail(oai: FlaskClient) -> None:
    body = oai.get("/oai", query_string={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).data
    root = etree.fromstring(body)
    dc = root.find(".//{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    etree.SubElement(dc, "{http://purl.org/dc/elements/1.1/}colour").text = "blue"
    assert not schema().validate(root)


def harvest_pages(client: FlaskClient, **args: str) -> Iterator[etree._Element]:
    root = get(client, **args)
    while True:
        yield root
        token = root.find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            return
        root = get(client, verb=args["verb"], resumptionToken=token.text)


def test_list_records_pages_with_tokens(oai: FlaskClient, catalogue: Catalogue) -> None:
    pages = list(harvest_pages(oai, verb="ListRecords", metadataPrefix="oai_dc"))
    total = len(catalogue.offerings) + 1  # the tombstone too
    assert len(pages) == -(-total // PAGE)
    tokens = [p.find(f".//{OAI}resumptionToken") for p in pages]
    assert all(t.get("completeListSize") == str(total) for t in tokens)
    assert [int(t.get("cursor")) for t in tokens] == [i * PAGE for i in range(len(pages))]
    assert all(t.get("expirationDate") for t in tokens[:-1]) and not tokens[-1].text
    headers = [h for p in pages for h in p.iter(f"{OAI}header")]
    ids = [h.findtext(f"{OAI}identifier") for h in headers]
    assert len(ids) == len(set(ids)) == total
    deleted = [h.findtext(f"{OAI}identifier") for h in headers if h.get("status") == "deleted"]
    assert deleted == [ID_PREFIX + catalogue.withdrawn_id]


def test_expired_token_is_refused(oai: FlaskClient, catalogue: Catalogue) -> None:
    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 25 * 3600

    old = URLSafeTimedSerializer("test-secret", salt=SALT, signer=Yesterday).dumps(
        ["oai_dc", None, None, None, 0, 21, 0]
    )
    fresh = URLSafeTimedSerializer("test-secret", salt=SALT).dumps(["oai_dc", None, None, None, 0, 21, 0])
    assert error_code(get(oai, verb="ListIdentifiers", resumptionToken=old)) == "badResumptionToken"
    assert error_code(get(oai, verb="ListIdentifiers", resumptionToken=fresh)) is None


def test_sets_per_country_and_provider(oai: FlaskClient, catalogue: Catalogue) -> None:
    specs = [s.findtext(f"{OAI}setSpec") for s in get(oai, verb="ListSets").iter(f"{OAI}set")]
    assert {"country:NL", "country:DE", "provider:example-university"} <= set(specs)
    dutch = [o.record_id for o in catalogue.offerings if o.countries == ["NL"]]
    for spec in ("country:NL", "provider:example-university"):
        pages = list(harvest_pages(oai, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec))
        ids = {h.findtext(f"{OAI}identifier") for p in pages for h in p.iter(f"{OAI}header")}
        # The Dutch tombstone stays in its sets.
        assert ids == {ID_PREFIX + i for i in [*dutch, catalogue.withdrawn_id]}
        assert pages[0].find(f".//{OAI}resumptionToken").get("completeListSize") == str(len(ids))


def test_get_record_in_both_formats_and_a_tombstone(oai: FlaskClient, catalogue: Catalogue) -> None:
    first = catalogue.offerings[0]
    root = get(oai, verb="GetRecord", identifier=ID_PREFIX + first.record_id, metadataPrefix="oai_dc")
    assert root.findtext(".//dc:title", namespaces=NS) == first.main_title
    root = get(oai, verb="GetRecord", identifier=ID_PREFIX + first.record_id, metadataPrefix="mco")
    carried = json.loads(root.findtext(".//{https://microcred.eu/ns/mco/1.0/}record"))
    assert carried == catalogue.store.get(first.record_id).offering.to_dict()
    root = get(oai, verb="GetRecord", identifier=ID_PREFIX + catalogue.withdrawn_id, metadataPrefix="oai_dc")
    assert root.find(f".//{OAI}header").get("status") == "deleted"
    assert root.find(f".//{OAI}metadata") is None


def test_from_until_in_seconds(oai: FlaskClient, catalogue: Catalogue) -> None:
    stamps = sorted(
        h.findtext(f"{OAI}datestamp")
        for p in harvest_pages(oai, verb="ListIdentifiers", metadataPrefix="oai_dc")
        for h in p.iter(f"{OAI}header")
    )
    last = stamps[-1]
    pages = list(harvest_pages(oai, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": last, "until": last}))
    within = [h.findtext(f"{OAI}datestamp") for p in pages for h in p.iter(f"{OAI}header")]
    assert within == [s for s in stamps if s == last]


# ---- harvested over HTTP on loopback ------------------------------------------------------------------


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[tuple[Catalogue, FeedServer]]:
    """A catalogue of the test's own (it changes), its app served on 127.0.0.1."""
    built = build_catalogue(tmp_path / "upstream")
    app = create_app(built.settings, store=built.store, engine=built.engine)
    app.config["OAI_PAGE_SIZE"] = PAGE
    server = serve(app, host="127.0.0.1", port=0)
    yield built, server
    server.stop()
    built.engine.close()
    built.store.close()


def catalogue_state(store: Store, *, mirror: bool) -> dict[str, Any]:
    """Each offering's record (without the members a mirror sets itself) by upstream id; tombstones as None."""
    found: dict[str, Any] = {}
    for record in store.iter_changes(0):
        key = record.offering.original_identifier.removeprefix(ID_PREFIX) if mirror else record.id
        data = record.offering.to_dict()
        found[key] = None if record.deleted else {k: v for k, v in data.items() if k not in IDENTITY}
    return found


def test_sickle_harvests_every_record(upstream: tuple[Catalogue, FeedServer]) -> None:
    built, server = upstream
    sickle = Sickle(f"{server.base_url}/oai")
    harvested: dict[str, Any] = {}
    for record in sickle.ListRecords(metadataPrefix="mco", ignore_deleted=False):
        key = record.header.identifier.removeprefix(ID_PREFIX)
        harvested[key] = None if record.deleted else json.loads(record.xml.find(".//{*}record").text)
    expected = {r.id: None if r.deleted else r.offering.to_dict() for r in built.store.iter_changes(0)}
    assert harvested == expected
    assert None in harvested.values()


def test_own_harvester_mirrors_and_stays_level(upstream: tuple[Catalogue, FeedServer], tmp_path: Path) -> None:
    built, server = upstream
    # The catalogue was written last year: an incremental window from now on holds only what changes next.
    with built.store.engine.begin() as conn:
        conn.execute(update(records).values(updated_at=datetime(2025, 12, 1, 12, 0, 0)))
    settings = make_settings(tmp_path / "mirror", harvest={"overlap_seconds": 2})
    mirror = Store(settings.store_url)
    source = mirror.sources.add(Source(id="upstream", url=f"{server.base_url}/oai", kind="oai", name="microcred"))
    first = harvest_source(mirror, source, settings)
    assert first.status == "success", first.error
    assert mirror.sources.get("upstream").state["format"] == "mco"
    assert first.pages >= 3
    upstream_state = catalogue_state(built.store, mirror=False)
    # Every offering equal, the upstream tombstone kept as one.
    assert catalogue_state(mirror, mirror=True) == upstream_state
    assert None in upstream_state.values()

    # Upstream changes: one offering retitled, one withdrawn.
    changed = built.store.get(rid("de-2")).offering
    built.store.upsert(replace(changed, title={"de": "Nachhaltige Logistik II"}))
    built.store.delete_many([rid("fr-1")])
    second = harvest_source(mirror, mirror.sources.get("upstream"), settings)
    assert second.status == "success", second.error
    assert not second.full
    assert (second.counts.seen, second.counts.updated, second.counts.deleted) == (2, 1, 1)
    level = catalogue_state(mirror, mirror=True)
    assert level == catalogue_state(built.store, mirror=False)
    assert level[rid("fr-1")] is None and level[rid("de-2")]["title"] == {"de": "Nachhaltige Logistik II"}
    mirror.close()
