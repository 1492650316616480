"""The OpenAPI 3.1 document: valid, in step with the parameter parser, every API response conforming to it
(openapi-core), and a schemathesis run over it with no server error and no response outside the schema."""

from __future__ import annotations

import json
from typing import Any

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


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from search_ui import create_app

    built = build_catalogue(tmp_path_factory.mktemp("fuzzed"))
    app = create_app(built.settings, store=built.store, engine=built.engine)
    return app


@pytest.fixture(scope="module")
def fuzzed_schema(fuzzed_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzzed_schema: Any) -> None:
    # schemathesis' pytest plugin does not run under pytest 9: each operation runs as a plain hypothesis test.
    labels = []
    for result in fuzzed_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        run()
    assert "GET /api/v1/offerings" in labels and len(labels) == len(document()["paths"])


def test_the_api_key_is_documented_and_its_401_conforms(client: FlaskClient, spec: OpenAPI) -> None:
    schemes = document()["components"]["securitySchemes"]
    assert schemes["apiKey"] == schemes["apiKey"] | {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["bearer"]["scheme"] == "bearer" and {} in document()["security"]
    response = client.get("/api/v1/offerings?q=data", headers={"X-API-Key": "mck_unknown"})
    assert response.status_code == 401
    spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
