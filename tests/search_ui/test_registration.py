"""Registration through the API and the /register form, against a real OAI-PMH provider on loopback, a real
SQLite store and the real app: preview, pending, duplicates refused, bad input never a 500, CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import Settings
from harvesters.registration import InvalidRegistration, normalise_url
from microcred.demo.server import FeedServer, serve
from offerings.store import Store
from search_ui import create_app
from tests.conftest import make_settings
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures


@pytest.fixture
def app(tmp_path: Path, store: Store) -> Iterator[Flask]:
    settings = make_settings(tmp_path, admin_token="s3cret")
    app = create_app(settings, store=store)
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _csrf(client: FlaskClient, path: str = "/register") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_api_registration_answers_a_preview_and_lands_pending(client: FlaskClient, feed_server: FeedServer) -> None:  # noqa: F811
    url = feed_server.url_for(NL)
    response = client.post("/api/v1/sources", json={"url": url, "contact_email": "oai@zuiderzee.example"})
    assert response.status_code == 202, response.json
    body = response.json
    assert body["status"] == "pending" and body["kind"] == "oai"
    assert "oai_dc" in body["probe"]["formats"]
    preview = body["preview"]
    assert 1 <= len(preview) <= 5
    assert all(item["title"] and isinstance(item["completeness"], int) for item in preview)
    assert all(isinstance(item["problems"], list) and "missing" in item for item in preview)
    assert response.headers["Location"].endswith(f"/api/v1/sources/{body['id']}")
    shown = client.get(f"/api/v1/sources/{body['id']}").json
    assert shown["status"] == "pending"
    assert shown["transitions"][0]["to"] == "pending" and "oai@zuiderzee.example" in shown["transitions"][0]["by"]
    # Pending sources are not harvested.
    assert shown["runs"] == []


def test_second_registration_of_the_same_endpoint_points_at_the_first(
    client: FlaskClient,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    url = feed_server.url_for(NL)
    first = client.post("/api/v1/sources", json={"url": url, "contact_email": "a@zuiderzee.example"})
    assert first.status_code == 202
    # The same endpoint spelled differently: upper-case host, trailing slash.
    again = url.replace("http://127.0.0.1", "HTTP://127.0.0.1") + "/"
    second = client.post("/api/v1/sources", json={"url": again, "contact_email": "b@zuiderzee.example"})
    assert second.status_code == 409
    assert second.mimetype == "application/problem+json"
    assert second.json["existing"]["id"] == first.json["id"]
    assert second.json["existing"]["href"] == f"/api/v1/sources/{first.json['id']}"


def test_check_my_feed_stores_nothing(client: FlaskClient, store: Store, feed_server: FeedServer) -> None:  # noqa: F811
    response = client.post("/api/v1/sources/check", json={"url": feed_server.url_for(NL)})
    assert response.status_code == 200
    assert response.json["kind"] == "oai" and response.json["preview"]
    assert store.sources.all() == []


@pytest.mark.parametrize(
    ("body", "status", "parameter"),
    [
        ({"url": "not a url", "contact_email": "a@b.eu"}, 422, "url"),
        ({"url": "ftp://example.org/oai", "contact_email": "a@b.eu"}, 422, "url"),
        ({"url": "http://user:pw@example.org/oai", "contact_email": "a@b.eu"}, 422, "url"),
        ({"url": "http://[::1/oai", "contact_email": "a@b.eu"}, 422, "url"),
        ({"url": "http://example.org:99999/oai", "contact_email": "a@b.eu"}, 422, "url"),
        ({"url": "http://example.org/oai"}, 422, "contact_email"),
        ({"url": "http://example.org/oai", "contact_email": "nobody"}, 422, "contact_email"),
        ({"url": "http://example.org/oai", "contact_email": "a@b.eu", "kind": "ftp"}, 422, "kind"),
        ({"url": "http://example.org/oai", "contact_email": "a@b.eu", "country": "Atlantis"}, 422, "country"),
        ({"url": "http://example.org/oai", "contact_email": "a@b.eu", "sets": ["a b"]}, 422, "sets"),
        ({"url": 5, "contact_email": "a@b.eu"}, 400, "url"),
        ({"url": "http://example.org/oai", "contact_email": "a@b.eu", "sets": {"x": 1}}, 400, "sets"),
        ({"url": "http://example.org/oai", "contact_email": "a@b.eu", "colour": "red"}, 400, "colour"),
        (["http://example.org/oai"], 400, None),
        ("http://example.org/oai", 400, None),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    client: FlaskClient, store: Store, body: object, status: int, parameter: str | None
) -> None:
    response = client.post("/api/v1/sources", json=body)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json.get("parameter") == parameter
    assert store.sources.all() == []


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"null", b"[]", b'{"url": null}'])
def test_bodies_that_are_not_registrations_are_400s_or_422s(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/v1/sources", data=raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


def test_an_unreachable_host_is_a_422(client: FlaskClient) -> None:
    response = client.post("/api/v1/sources", json={"url": "http://127.0.0.1:9/oai", "contact_email": "a@b.eu"})
    assert response.status_code == 422
    assert response.json["type"].endswith("/unusable-feed")
    assert "did not answer" in response.json["detail"]


def test_a_private_address_is_refused_without_the_test_allowance(
    tmp_path: Path,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    strict: Settings = make_settings(tmp_path, allow_private_feeds=False)
    client = create_app(strict, store=store).test_client()
    response = client.post("/api/v1/sources", json={"url": feed_server.url_for(NL), "contact_email": "a@b.eu"})
    assert response.status_code == 422
    assert "not permitted" in response.json["detail"]
    assert store.sources.all() == []


def test_the_form_checks_a_feed_without_registering_it(
    client: FlaskClient,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    token = _csrf(client)
    page = client.post(
        "/register", data={"csrf_token": token, "url": feed_server.url_for(NL), "action": "check", "kind": "auto"}
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "What we found" in text and "oai_dc" in text and "/ 100" in text
    assert store.sources.all() == []


def test_the_form_registers_and_shows_the_proof_to_publish(
    client: FlaskClient,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    token = _csrf(client)
    form = {
        "csrf_token": token,
        "url": feed_server.url_for(NL),
        "contact_email": "x@zuiderzee.example",
        "action": "register",
    }
    page = client.post("/register", data=form)
    assert page.status_code == 201
    text = page.get_data(as_text=True)
    (source,) = store.sources.all()
    assert source.status == "pending" and source.contact_email == "x@zuiderzee.example"
    assert "/.well-known/microcred-verification" in text and "pending" in text
    again = client.post("/register", data=form)
    assert again.status_code == 409
    assert "registered already" in again.get_data(as_text=True)
    assert f"/sources/{source.id}" in again.get_data(as_text=True)


def test_the_form_names_bad_input_and_never_fails(client: FlaskClient, store: Store) -> None:
    token = _csrf(client)
    page = client.post("/register", data={"csrf_token": token, "url": "javascript:alert(1)", "action": "register"})
    assert page.status_code == 422
    assert "is not an http or https URL" in page.get_data(as_text=True)
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    page = client.post("/register", data={"csrf_token": token, "url": "http://example.org/oai", "action": "register"})
    assert page.status_code == 422 and "contact e-mail address is required" in page.get_data(as_text=True)
    assert store.sources.all() == []


@pytest.mark.parametrize(
    ("lang", "scheme", "required"),
    [
        ("de", "ist keine http- oder https-URL", "Eine Kontakt-E-Mail-Adresse ist erforderlich."),
        ("fr", "n’est pas une URL http ou https", "Une adresse e-mail de contact est requise."),
    ],
)
def test_the_form_names_bad_input_in_the_page_language(
    client: FlaskClient, store: Store, lang: str, scheme: str, required: str
) -> None:
    token = _csrf(client, f"/register?lang={lang}")
    page = client.post("/register", data={"csrf_token": token, "url": "ftp://example.org/x", "action": "register"})
    assert page.status_code == 422
    assert scheme in page.get_data(as_text=True)
    page = client.post("/register", data={"csrf_token": token, "url": "http://example.org/oai", "action": "register"})
    assert page.status_code == 422 and required in page.get_data(as_text=True)
    # The API says it in English, for the programs that read it.
    answer = client.post("/api/v1/sources", json={"url": "ftp://example.org/x", "contact_email": "a@b.example"})
    assert answer.status_code == 422 and "is not an http or https URL" in answer.get_json()["detail"]
    assert store.sources.all() == []


def test_the_form_refuses_a_post_without_its_csrf_token(client: FlaskClient, store: Store) -> None:
    client.get("/register")
    page = client.post("/register", data={"url": "http://example.org/oai", "contact_email": "a@b.eu"})
    assert page.status_code == 400
    assert "expired or was not sent from this site" in page.get_data(as_text=True)
    page = client.post("/register", data={"csrf_token": "forged", "url": "http://example.org/oai"})
    assert page.status_code == 400


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("HTTP://Example.ORG:80/oai/", "http://example.org/oai"),
        ("https://example.org:443/oai?verb=Identify&a=1#frag", "https://example.org/oai?a=1&verb=Identify"),
        (" https://example.org:8443/x ", "https://example.org:8443/x"),
    ],
)
def test_urls_are_compared_normalised(given: str, normal: str) -> None:
    assert normalise_url(given) == normal


def test_a_url_that_is_not_one_is_named() -> None:
    with pytest.raises(InvalidRegistration) as caught:
        normalise_url("example.org/oai")
    assert caught.value.field == "url"


def test_probes_are_rate_limited_per_client(tmp_path: Path, store: Store) -> None:
    # Flask-Limiter's budget, API and form together (search_ui/limits.py).
    app = create_app(make_settings(tmp_path, secret_key="t", api={"probe_rate_limit": "3/hour"}), store=store)
    client = app.test_client()
    body = {"url": "http://127.0.0.1:9/oai", "contact_email": "a@b.eu"}
    assert [client.post("/api/v1/sources/check", json=body).status_code for _ in range(3)] == [422, 422, 422]
    refused = client.post("/api/v1/sources", json=body)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    # Another address is not held back by this one.
    other = client.post("/api/v1/sources/check", json=body, environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 422
    # The form shares the API's budget: this address has spent it, so the page says so (429), not the probe.
    page = client.get("/register")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert page.status_code == 200 and token  # reading the form costs nothing
    refused_form = client.post("/register", data={"csrf_token": token.group(1), "url": body["url"], "action": "check"})
    assert refused_form.status_code == 429 and "try again later" in refused_form.get_data(as_text=True)


_OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2026-01-01T00:00:00Z</responseDate><request>http://127.0.0.1/oai</request>"
)
_FOREIGN = {
    "Identify": "<Identify><repositoryName>Foreign</repositoryName><baseURL>http://127.0.0.1/oai</baseURL>"
    "<protocolVersion>2.0</protocolVersion><adminEmail>a@b.example</adminEmail>"
    "<earliestDatestamp>2020-01-01</earliestDatestamp><deletedRecord>no</deletedRecord>"
    "<granularity>YYYY-MM-DD</granularity></Identify>",
    "ListMetadataFormats": "<ListMetadataFormats><metadataFormat><metadataPrefix>marc21</metadataPrefix>"
    "<schema>http://example.org/marc.xsd</schema><metadataNamespace>http://example.org/marc</metadataNamespace>"
    "</metadataFormat></ListMetadataFormats>",
}


def _unusable_feeds(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Feeds that answer, but not usefully: an OAI-PMH repository offering only a format we do not read
    (/foreign), and a plain-text page that is no kind of source (/notes)."""
    if environ["PATH_INFO"] == "/foreign":
        verb = parse_qs(environ.get("QUERY_STRING", "")).get("verb", [""])[0]
        body = (_OAI_HEAD + _FOREIGN.get(verb, '<error code="badVerb">no</error>') + "</OAI-PMH>").encode()
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"Our courses are listed on paper at the front desk."]


@pytest.fixture
def unusable() -> Iterator[str]:
    """The base URL of :func:`_unusable_feeds`, served on loopback."""
    server = serve(_unusable_feeds, host="127.0.0.1", port=0)
    yield server.base_url
    server.stop()


# What the form says, in German and French, for each way a real feed fails.
_FEED_FAILURES = {
    "de": {
        "unreachable": "hat nicht geantwortet: Der Host ist nicht erreichbar.",
        "nothing_readable": "bietet nichts, was wir lesen können (angebotene Formate: marc21).",
        "not_a_source": "ist weder ein OAI-PMH-Endpunkt noch",
        "not_a_document": "ist kein Katalogdokument, das wir lesen",
        "blocked": "verweist auf eine Adresse oder einen Port, die Feeds nicht verwenden dürfen",
    },
    "fr": {
        "unreachable": "n’a pas répondu : l’hôte est injoignable.",
        "nothing_readable": "ne propose rien que nous sachions lire (formats proposés : marc21).",
        "not_a_source": "n’est ni un point d’accès OAI-PMH",
        "not_a_document": "n’est pas un document de catalogue que nous lisons",
        "blocked": "pointe vers une adresse ou un port que les flux ne peuvent pas utiliser",
    },
}


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_form_says_why_a_feed_cannot_be_used_in_the_page_language(
    tmp_path: Path,
    client: FlaskClient,
    store: Store,
    unusable: str,
    feed_server: FeedServer,  # noqa: F811
    lang: str,
) -> None:
    said = _FEED_FAILURES[lang]
    token = _csrf(client, f"/register?lang={lang}")
    tries = {
        "unreachable": ("http://127.0.0.1:9/oai", "auto"),  # the discard port: nothing listens there
        "nothing_readable": (f"{unusable}/foreign", "auto"),
        "not_a_source": (f"{unusable}/notes", "auto"),
        "not_a_document": (f"{unusable}/notes", "feed"),
    }
    for code, (url, kind) in tries.items():
        form = {"csrf_token": token, "url": url, "kind": kind, "action": "check"}
        page = client.post("/register", data=form)
        assert page.status_code == 422, code
        text = page.get_data(as_text=True)
        assert said[code] in text, (code, text[text.find("error-summary") :][:400])
        assert 'aria-invalid="true"' in text
    # A private address, where the allowance that lets the other tests use loopback is off.
    strict = create_app(make_settings(tmp_path, allow_private_feeds=False), store=store).test_client()
    token = _csrf(strict, f"/register?lang={lang}")
    form = {"csrf_token": token, "url": feed_server.url_for(NL), "action": "check"}
    page = strict.post("/register", data=form)
    assert page.status_code == 422 and said["blocked"] in page.get_data(as_text=True)
    # The API says the same in English, for the programs that read it.
    answer = client.post("/api/v1/sources/check", json={"url": f"{unusable}/foreign"})
    assert answer.status_code == 422 and "offers nothing microcred can read" in answer.get_json()["detail"]
    assert store.sources.all() == []
