"""The JSON API over a real store and the real SQLite engine: search, records, JSON-LD, suggestions, errors."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search_ui.records import PINNED_RESULT_KEYS
from tests.search_ui.conftest import MINIMAL, ROWS, Catalogue, rid

PROBLEM = "application/problem+json"


def search(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/offerings?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def expected(predicate: Any) -> set[str]:
    """Ids of the fixture rows (key, title, country, langs, mode, ects, eqf, start, fee) matching ``predicate``."""
    return {rid(row[0]) for row in ROWS if predicate(*row)}


def ids(page: dict[str, Any]) -> set[str]:
    return {r["id"] for r in page["results"]}


def facet(page: dict[str, Any], name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in page["facets"][name]}


# ---- search ---------------------------------------------------------------------------------------


def test_response_shape_and_pinned_result_keys(client: FlaskClient) -> None:
    page = search(client, "size=100")
    assert list(page) == ["total", "page", "size", "results", "facets"]
    assert (page["total"], page["page"], page["size"]) == (20, 1, 100)
    assert len(page["results"]) == 20
    for result in page["results"]:
        assert set(PINNED_RESULT_KEYS) <= set(result)
    assert set(page["facets"]) >= {"country", "provider", "eqf_level", "language", "mode", "source"}
    for values in page["facets"].values():
        for value in values:
            assert set(value) == {"value", "label", "count"}


def test_pinned_values_of_one_result(client: FlaskClient) -> None:
    page = search(client, "q=Data Science Foundations&size=1")
    first = page["results"][0]
    assert first["id"] == rid("nl-1")
    assert first["title"] == "Data Science Foundations"
    assert first["provider"] == "Example University"
    assert first["country"] == ["NL"]
    assert (first["ects_credits"], first["eqf_level"]) == (5.0, 6)
    assert (first["languages"], first["mode"]) == (["en"], ["online"])
    assert first["url"] == "https://courses.example.nl/nl-1"
    assert first["start_date"] == "2030-02-01"
    assert isinstance(first["completeness"], int) and 0 < first["completeness"] <= 100


def test_withdrawn_offering_is_not_found_by_search(client: FlaskClient, catalogue: Catalogue) -> None:
    assert catalogue.withdrawn_id not in ids(search(client, "size=100"))
    assert search(client, "q=Withdrawn")["total"] == 0


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("country=NL", lambda k, t, c, *_: c == "NL"),
        ("country=nl", lambda k, t, c, *_: c == "NL"),
        ("country=NL&country=DE", lambda k, t, c, *_: c in ("NL", "DE")),
        ("country=NL,DE", lambda k, t, c, *_: c in ("NL", "DE")),
        ("eqf_level=7", lambda *r: r[6] == 7),
        ("language=de", lambda *r: "de" in r[3]),
        ("language=fr&language=nl", lambda *r: {"fr", "nl"} & set(r[3])),
        ("mode=online&country=DE", lambda *r: r[4] == ["online"] and r[2] == "DE"),
        ("source=fr-univ", lambda *r: r[2] in ("FR", "PT")),
        ("ects_min=5&ects_max=6", lambda *r: r[5] is not None and 5 <= r[5] <= 6),
        ("free=true", lambda *r: r[8] == 0),
        ("price_max=300", lambda *r: r[8] is not None and r[8] <= 300),
        ("starts_after=2030-06-01", lambda *r: r[7] is not None and r[7] >= "2030-06-01"),
        ("starts_before=2030-02-15", lambda *r: r[7] is not None and r[7] <= "2030-02-15"),
        ("open=true", lambda *r: r[7] is None or r[7] >= date.today().isoformat()),
        ("q=sustainability", lambda *r: "Sustainability" in r[1]),
        ("q=circul", lambda *r: "ircul" in r[1]),
    ],
)
def test_filters(client: FlaskClient, query: str, predicate: Any) -> None:
    page = search(client, query + "&size=100")
    want = expected(predicate)
    assert want, "the fixture should have matches for every filter tested"
    assert ids(page) == want
    assert page["total"] == len(want)


def test_facet_counts_are_disjunctive(client: FlaskClient) -> None:
    everything = search(client)
    assert facet(everything, "country") == {"NL": 7, "DE": 6, "FR": 5, "PT": 1, "IT": 1}
    netherlands = search(client, "country=NL")
    # The country facet ignores its own filter (so other countries can be added) …
    assert facet(netherlands, "country") == facet(everything, "country")
    # … while every other facet counts within the Dutch offerings.
    assert facet(netherlands, "language") == {"en": 6, "nl": 2}
    assert sum(facet(netherlands, "source").values()) == 7
    labels = {v["value"]: v["label"] for v in netherlands["facets"]["country"]}
    assert labels["NL"] == "Netherlands"
    sources = {v["value"]: v["label"] for v in everything["facets"]["source"]}
    assert sources["nl-uni"] == "Universiteit Voorbeeld"


def test_sort_and_pagination(client: FlaskClient) -> None:
    by_ects = search(client, "sort=ects&size=100")["results"]
    # Ended offerings (last date past) come after open ones, each part in the requested order.
    today = date.today().isoformat()
    ended = [max(filter(None, (r.get("end_date"), r.get("start_date"))), default="9999") < today for r in by_ects]
    assert ended == sorted(ended)
    for part in (False, True):
        listed = [r["ects_credits"] for r, late in zip(by_ects, ended, strict=True) if late == part]
        credits = [c for c in listed if c is not None]
        assert credits == sorted(credits) and listed[len(credits) :] == [None] * (len(listed) - len(credits))
    titles = [r["title"] for r in search(client, "sort=title&size=100")["results"]]
    assert titles[0] == "Circular Economy"
    seen: list[str] = []
    for number in (1, 2, 3, 4):
        page = search(client, f"sort=title&size=5&page={number}")
        assert (page["total"], page["page"], page["size"], len(page["results"])) == (20, number, 5, 5)
        seen += [r["id"] for r in page["results"]]
    assert len(set(seen)) == 20
    assert search(client, "size=5&page=5")["results"] == []


BAD_SEARCHES = [
    ("size=0", "size"),
    ("size=101", "size"),
    ("page=-1", "page"),
    ("page=0", "page"),
    ("eqf_level=9", "eqf_level"),
    ("language=english", "language"),
    ("country=XX", "country"),
    ("ects_min=abc", "ects_min"),
    ("ects_max=-3", "ects_max"),
    ("price_max=cheap", "price_max"),
    ("starts_after=2027-13-01", "starts_after"),
    ("starts_before=tomorrow", "starts_before"),
    ("free=maybe", "free"),
    ("open=perhaps", "open"),
    ("sort=bogus", "sort"),
    ("unknown=1", "unknown"),
    ("page=1000&size=100", "page"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD_SEARCHES)
def test_bad_parameters_are_400_problems_naming_the_parameter(client: FlaskClient, query: str, parameter: str) -> None:
    response = client.get(f"/api/v1/offerings?{query}")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == 400 and body["parameter"] == parameter
    assert {"type", "title", "detail"} <= set(body)


# ---- one offering ----------------------------------------------------------------------------------


def test_detail_is_the_full_record(client: FlaskClient, catalogue: Catalogue) -> None:
    record = catalogue.store.get(rid("nl-1"))
    response = client.get(f"/api/v1/offerings/{record.id}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
    body = response.get_json()
    for key, value in record.offering.to_dict().items():
        assert body[key] == value
    assert body["completeness"] == record.completeness and body["tier"] == record.tier
    assert body["quality"]["missing"] == record.quality["missing"]
    assert body["updated"].endswith("Z")
    assert body["source"] == {"id": "nl-uni", "name": "Universiteit Voorbeeld", "url": "http://127.0.0.1:9/oai"}


def test_unknown_offering_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/offerings/nl-uni:doesnotexist")
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert response.get_json(force=True)["status"] == 404


@pytest.mark.parametrize("accept", ["application/json", "application/ld+json"])
def test_withdrawn_offering_is_410_gone(client: FlaskClient, catalogue: Catalogue, accept: str) -> None:
    response = client.get(f"/api/v1/offerings/{catalogue.withdrawn_id}", headers={"Accept": accept})
    assert response.status_code == 410 and response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == 410 and body["title"] == "Gone"


@pytest.mark.parametrize(
    ("path_suffix", "headers"),
    [
        ("", {"Accept": "application/ld+json"}),
        ("", {"Accept": "text/html;q=0.9, application/ld+json"}),
        ("?format=jsonld", {}),
        ("?format=jsonld", {"Accept": "application/json"}),
    ],
)
def test_jsonld_negotiation(client: FlaskClient, path_suffix: str, headers: dict[str, str]) -> None:
    response = client.get(f"/api/v1/offerings/{rid('nl-1')}{path_suffix}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    doc = json.loads(response.get_data(as_text=True))
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Course"
    assert doc["name"] == "Data Science Foundations"
    assert doc["url"] == "https://courses.example.nl/nl-1"
    assert doc["@id"].endswith(f"/offerings/{rid('nl-1')}")
    assert doc["provider"]["@type"] == "CollegeOrUniversity"
    assert doc["provider"]["address"]["addressCountry"] == "NL"
    assert doc["inLanguage"] == "en"
    assert doc["educationalLevel"]["@id"] == "http://data.europa.eu/snb/eqf/6"
    assert doc["numberOfCredits"]["value"] == 5.0
    assert doc["educationalCredentialAwarded"]["@type"] == "EducationalOccupationalCredential"
    instance = doc["hasCourseInstance"][0]
    assert instance["@type"] == "CourseInstance" and instance["startDate"] == "2030-02-01"
    assert instance["courseMode"] == ["online"]
    assert doc["offers"][0]["price"] == 0 and doc["offers"][0]["priceCurrency"] == "EUR"
    assert doc["isAccessibleForFree"] is True


def test_jsonld_of_a_sparse_record_leaves_out_what_is_unknown(client: FlaskClient) -> None:
    doc = client.get(f"/api/v1/offerings/{rid(MINIMAL)}?format=jsonld").get_json(force=True)
    assert doc["@type"] == "Course" and doc["name"] == "Storia dell'arte"
    assert "numberOfCredits" not in doc and "educationalLevel" not in doc and "offers" not in doc
    assert all(value not in (None, "", [], {}) for value in doc.values())


def test_plain_json_when_accept_does_not_ask_for_jsonld(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/offerings/{rid('nl-1')}", headers={"Accept": "*/*"})
    assert response.mimetype == "application/json" and "@context" not in response.get_json()


def test_unknown_format_is_a_400_problem(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/offerings/{rid('nl-1')}?format=xml")
    assert response.status_code == 400 and response.get_json(force=True)["parameter"] == "format"


# ---- suggestions and errors ------------------------------------------------------------------------


def test_suggest(client: FlaskClient) -> None:
    response = client.get("/api/v1/suggest?q=dat")
    assert response.status_code == 200
    texts = [s["text"] for s in response.get_json()["suggestions"]]
    assert "Data Science Foundations" in texts
    assert all(set(s) == {"text", "kind"} for s in response.get_json()["suggestions"])


@pytest.mark.parametrize(("query", "parameter"), [("", "q"), ("q=", "q"), ("q=da&size=0", "size"), ("q=x&y=1", "y")])
def test_suggest_needs_q(client: FlaskClient, query: str, parameter: str) -> None:
    response = client.get(f"/api/v1/suggest?{query}")
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert response.get_json(force=True)["parameter"] == parameter


def test_api_errors_are_never_html(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.mimetype == PROBLEM
    response = client.post("/api/v1/offerings")
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_a_logged_500_problem(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/explode", view_func=explode)
    response = app.test_client().get("/api/v1/explode")
    assert response.status_code == 500 and response.mimetype == PROBLEM
    assert "secret internals" not in response.get_data(as_text=True)
    assert "unhandled error" in caplog.text and "secret internals" in caplog.text


def test_completeness_tier_is_a_facet_and_a_filter(client: FlaskClient, catalogue: Catalogue) -> None:
    # docs/normalisation.md §4.2: the score's tier is exposed for facets; counts come from the store.
    store_tiers: dict[str, set[str]] = {}
    for source in catalogue.store.sources.all():
        for record in catalogue.store.live_records(source.id):
            store_tiers.setdefault(record.tier, set()).add(record.id)
    page = search(client, "size=100")
    counts = {v["value"]: (v["count"], v["label"]) for v in page["facets"]["tier"]}
    assert {tier: count for tier, (count, _) in counts.items()} == {t: len(ids) for t, ids in store_tiers.items()}
    assert all(label and label != tier for tier, (_, label) in counts.items())
    for tier, want in store_tiers.items():
        assert ids(search(client, f"tier={tier}&size=100")) == want
    response = client.get("/api/v1/offerings?tier=no%20such")
    assert response.status_code == 400 and json.loads(response.get_data(as_text=True))["parameter"] == "tier"
