"""The OpenAPI 3.1 document: valid, in step with the parameter parser, every API response conforming to it
(openapi-core), and a schemathesis run over it with no server error and no response outside the schema."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from offerings.store import lifecycle
from search_ui import admin, openapi_sources, ownership, registration
from search_ui.api import QUERY_PARAMETERS
from search_ui.openapi import document, search_parameters
from search_ui.params import SEARCH_PARAMETERS
from tests.search_ui.conftest import Catalogue, build_catalogue, rid


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json["openapi"] == "3.1.0"
    validate(served.json)
    with pytest.raises(Exception, match="required"):
        validate({**served.json, "info": {"title": "no version"}})


def test_search_parameters_are_the_parsers() -> None:
    assert {p["name"] for p in search_parameters()} == SEARCH_PARAMETERS


def _breaking(schema: dict[str, Any]) -> str:
    """A value outside ``schema`` for a query parameter."""
    if schema.get("type") == "array":
        return "x" * (schema["items"]["maxLength"] + 1)
    if "enum" in schema:
        return "not-a-choice"
    if schema.get("format") == "date":
        return "2030-02-30"
    if schema.get("type") in ("integer", "number"):
        return str(schema["minimum"] - 1)
    return "x" * (schema["maxLength"] + 1)


@pytest.mark.parametrize("parameter", search_parameters(), ids=lambda p: p["name"])
def test_each_parameter_breaking_its_schema_is_a_400_naming_it(client: FlaskClient, parameter: dict[str, Any]) -> None:
    name = parameter["name"]
    response = client.get("/api/v1/offerings", query_string={name: _breaking(parameter["schema"])})
    assert response.status_code == 400, name
    assert response.mimetype == "application/problem+json"
    assert response.json["parameter"] == name


def test_a_documented_maximum_is_accepted_and_one_more_refused(client: FlaskClient) -> None:
    size = next(p for p in search_parameters() if p["name"] == "size")["schema"]["maximum"]
    assert client.get("/api/v1/offerings", query_string={"size": size}).status_code == 200
    assert client.get("/api/v1/offerings", query_string={"size": size + 1}).json["parameter"] == "size"


@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    # openapi-core reads plain JSON only; problem documents and NDJSON lines are JSON too.
    deserializers = {
        "application/problem+json": json.loads,
        "application/ld+json": json.loads,
        "application/xml": lambda body: body.decode(),
        "application/x-ndjson": lambda body: body.decode(),
    }
    return OpenAPI.from_dict(document(), config=Config(extra_media_type_deserializers=deserializers))


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/offerings?q=data&country=NL&sort=-ects", 200),
        ("/api/v1/offerings?eqf_level=9", 400),
        (f"/api/v1/offerings/{rid('nl-1')}", 200),
        (f"/api/v1/offerings/{rid('nl-1')}?format=jsonld", 200),
        (f"/api/v1/offerings/{rid('nl-1')}?format=elm-xml", 200),
        ("/api/v1/offerings/nl-uni:nothing", 404),
        ("/api/v1/suggest?q=da", 200),
        ("/api/v1/suggest", 400),
        ("/api/v1/changes?limit=3", 200),
        ("/api/v1/changes?since=abc", 400),
        ("/api/v1/export.jsonl", 200),
        ("/api/v1/sources", 200),
        ("/api/v1/sources/nl-uni", 200),
        ("/api/v1/sources/nope", 404),
    ],
)
def test_responses_conform_to_the_document(client: FlaskClient, spec: OpenAPI, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))


@pytest.mark.parametrize(
    "url", ["/api/v1/offerings?q=data", f"/api/v1/offerings/{rid('nl-1')}", "/api/v1/export.jsonl"]
)
def test_validators_and_their_304_are_documented(client: FlaskClient, spec: OpenAPI, url: str) -> None:
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    spec.validate_response(WerkzeugOpenAPIRequest(first.request), WerkzeugOpenAPIResponse(first))
    for header, value in (
        ("If-None-Match", first.headers["ETag"]),
        ("If-Modified-Since", first.headers["Last-Modified"]),
    ):
        again = client.get(url, headers={header: value})
        assert again.status_code == 304
        spec.validate_response(WerkzeugOpenAPIRequest(again.request), WerkzeugOpenAPIResponse(again))
    documented = {
        p["name"] for p in document()["paths"][first.request.path.replace(rid("nl-1"), "{id}")]["get"]["parameters"]
    }
    assert {"If-None-Match", "If-Modified-Since"} <= documented


def test_a_tombstone_is_a_documented_410(client: FlaskClient, spec: OpenAPI, catalogue: Catalogue) -> None:
    response = client.get(f"/api/v1/offerings/{catalogue.withdrawn_id}")
    assert response.status_code == 410
    spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))


def test_the_docs_page_is_served_from_the_package(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    bundle = client.get("/api/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    bundle.close()
    assert client.get("/api/docs/../../etc/passwd").status_code == 404


# ---- schemathesis over the whole document ---------------------------------------------------------------


ADMIN_TOKEN = "fuzz-admin-token"
CLOSED = "http://127.0.0.1:9"  # a closed loopback port: the probes of fuzzed registrations reach nothing outside


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from search_ui import create_app

    built = build_catalogue(tmp_path_factory.mktemp("fuzzed"))
    # No API rate limit: 18 operations × 30 examples would pass it, and 429s would stand in for real answers.
    settings = replace(built.settings, admin_token=ADMIN_TOKEN, api=replace(built.settings.api, rate_limit=""))
    app = create_app(settings, store=built.store, engine=built.engine)
    return app


@pytest.fixture(scope="module")
def fuzzed_schema(fuzzed_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def _kept_on_loopback(case: Any) -> None:
    """A fuzzed feed URL, moved onto the closed loopback port: a registration is probed at once, and the run must
    not reach out to whatever host hypothesis invented (its path and query are kept)."""
    if isinstance(case.body, dict) and isinstance(case.body.get("url"), str):
        _, _, rest = case.body["url"].partition("://")
        case.body["url"] = f"{CLOSED}/{quote(rest.partition('/')[2], safe='/?=&')}"


def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzzed_schema: Any) -> None:
    # schemathesis' pytest plugin does not run under pytest 9: each operation runs as a plain hypothesis test.
    # Every operation is run, the admin calls with the admin token: they change the fuzzed catalogue (approve,
    # suspend, remove its sources), which is what they are for; it is this test's own catalogue.
    labels = []
    for result in fuzzed_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        admin = any(openapi_sources.ADMIN_SCHEME in s for s in operation.definition.raw.get("security", []))
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if admin else None

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            _kept_on_loopback(case)
            case.call_and_validate(headers=run.headers, checks=CHECKS)  # type: ignore[attr-defined]

        run.headers = headers  # type: ignore[attr-defined]  # bound now, not when the loop has moved on
        run()
    documented = {f"{method.upper()} {path}" for path, methods in document()["paths"].items() for method in methods}
    # schemathesis leaves out the operation that serves the document it reads (fetched above, valid or it fails).
    assert set(labels) == documented - {"GET /api/v1/openapi.json"} and len(labels) >= 14


# ---- every route is described, and as the code reads it ------------------------------------------------


def _template(rule: str) -> str:
    """A Flask rule or an OpenAPI path with its placeholders blanked: ``/a/<path:x>`` and ``/a/{id}`` → ``/a/{}``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", rule)


def _served(app: Flask) -> dict[tuple[str, str], str]:
    """Every (method, path template) the app serves under /api/v1, with its endpoint."""
    return {
        (method.lower(), _template(rule.rule)): rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def _documented() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, _template(path)): operation
        for path, operations in document()["paths"].items()
        for method, operation in operations.items()
    }


def test_every_route_under_api_v1_is_described_and_nothing_else(app: Flask) -> None:
    served, documented = set(_served(app)), set(_documented())
    assert len(served) >= 15  # the walk found the routes (reads, writes, admin calls)
    assert served - documented == set(), "routes the OpenAPI document does not describe"
    assert documented - served == set(), "operations the app does not serve"


def test_each_operations_query_parameters_are_those_its_view_reads(app: Flask, client: FlaskClient) -> None:
    documented = _documented()
    checked = 0
    for (method, path), endpoint in _served(app).items():
        names = {p["name"] for p in documented[(method, path)].get("parameters", []) if p["in"] == "query"}
        if endpoint == "api.search":
            assert names == SEARCH_PARAMETERS
        elif method == "get":
            assert names == set(QUERY_PARAMETERS.get(endpoint, ())), endpoint
            checked += 1
        else:
            assert names == set(), endpoint  # the writes read bodies, not query strings
    assert checked >= 6


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/offerings",
        f"/api/v1/offerings/{rid('nl-1')}",
        "/api/v1/suggest?q=da",
        "/api/v1/changes",
        "/api/v1/export.jsonl",
        "/api/v1/sources",
        "/api/v1/sources/nl-uni",
        "/api/v1/openapi.json",
    ],
)
def test_an_undocumented_query_parameter_is_a_400_naming_it(client: FlaskClient, path: str) -> None:
    response = client.get(path + ("&" if "?" in path else "?") + "colour=blue")
    assert response.status_code == 400 and response.json["parameter"] == "colour"


def test_each_request_body_has_the_fields_its_view_reads() -> None:
    paths = document()["paths"]
    schemas = document()["components"]["schemas"]
    assert set(schemas["Registration"]["properties"]) == set(registration.FIELDS)
    for path in ("/api/v1/sources", "/api/v1/sources/check"):
        assert paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/Registration"
        )
    body = paths["/api/v1/sources/{id}/transition"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == set(admin.TRANSITION_FIELDS) and body["properties"]["to"]["enum"] == list(
        lifecycle.STATES
    )
    for action in ("approve", "harvest", "verify"):
        body = paths[f"/api/v1/sources/{{id}}/{action}"]["post"]["requestBody"]["content"]["application/json"]
        assert set(body["schema"]["properties"]) == set(admin.ACTION_FIELDS)
    body = paths["/api/v1/sources/{id}/ownership"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == set(ownership.PROOF_FIELDS)
    body = paths["/api/v1/sources/{id}/webhook"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == set(admin.WEBHOOK_FIELDS)


def _validate_answer(spec: OpenAPI, response: Any) -> None:
    """Validate a POST's answer: its request's body was read by the app, so the request is rebuilt without it
    (the operation is found by method and path; a response is judged on its own)."""
    sent = response.request
    rebuilt = Request(EnvironBuilder(method=sent.method, path=sent.path, headers=dict(sent.headers)).get_environ())
    spec.validate_response(WerkzeugOpenAPIRequest(rebuilt), WerkzeugOpenAPIResponse(response))


@pytest.mark.parametrize(
    ("path", "body", "parameter"),
    [
        ("/api/v1/sources", {"url": CLOSED, "colour": "blue"}, "colour"),
        ("/api/v1/sources/check", {"url": CLOSED, "sets": 3}, "sets"),
        ("/api/v1/sources/check", {"url": CLOSED, "kind": "gopher"}, "kind"),
        ("/api/v1/sources/nl-uni/ownership", {"method": "carrier pigeon"}, "method"),
        ("/api/v1/sources/nl-uni/ownership", {"method": "email"}, "token"),
    ],
)
def test_a_bad_body_field_is_a_documented_problem_naming_it(
    client: FlaskClient, spec: OpenAPI, path: str, body: dict[str, Any], parameter: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code in (400, 422) and response.json["parameter"] == parameter
    _validate_answer(spec, response)


def test_the_admin_calls_conform_with_and_without_the_token(tmp_path: Path, spec: OpenAPI) -> None:
    from search_ui import create_app

    built = build_catalogue(tmp_path)
    built.store.sources.update("nl-uni", status="pending")
    locked = create_app(built.settings, store=built.store, engine=built.engine).test_client()
    app = create_app(replace(built.settings, admin_token=ADMIN_TOKEN), store=built.store, engine=built.engine)
    client = app.test_client()
    token = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    answers = [
        (locked.post("/api/v1/sources/nl-uni/approve"), 403),
        (client.post("/api/v1/sources/nl-uni/approve", headers={"Authorization": "Bearer wrong"}), 401),
        (client.post("/api/v1/sources/nope/approve", headers=token), 404),
        (client.post("/api/v1/sources/nl-uni/harvest", headers=token), 409),  # pending sources do not harvest
        (client.post("/api/v1/sources/nl-uni/verify", headers=token), 200),
        (client.post("/api/v1/sources/nl-uni/approve", headers=token, json={"reason": "known HEI"}), 200),
        (client.post("/api/v1/sources/nl-uni/harvest", headers=token), 202),
        (client.post("/api/v1/sources/nl-uni/transition", headers=token, json={"to": "nowhere"}), 400),
        (client.post("/api/v1/sources/nl-uni/transition", headers=token, json={"to": "suspended"}), 200),
        (client.post("/api/v1/sources/check", json={"url": CLOSED + "/oai"}), 422),
        (client.post("/api/v1/sources", json={"url": CLOSED + "/oai", "contact_email": "a@uni.example"}), 409),
        (client.post("/api/v1/sources", json={"url": CLOSED + "/new", "contact_email": "a@uni.example"}), 422),
    ]
    for response, status in answers:
        assert response.status_code == status, (response.request.path, response.data)
        _validate_answer(spec, response)
    assert built.store.sources.get("nl-uni").status == "suspended"
    built.engine.close()
    built.store.close()


def test_the_api_key_is_documented_and_its_401_conforms(client: FlaskClient, spec: OpenAPI) -> None:
    schemes = document()["components"]["securitySchemes"]
    assert schemes["apiKey"] == schemes["apiKey"] | {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["bearer"]["scheme"] == "bearer" and {} in document()["security"]
    response = client.get("/api/v1/offerings?q=data", headers={"X-API-Key": "mck_unknown"})
    assert response.status_code == 401
    spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
