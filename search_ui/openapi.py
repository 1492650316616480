"""The OpenAPI 3.1 document of the JSON API (``/api/v1/openapi.json``) and its browsable page (``/api/docs``).

The document is built from the code that parses the requests: search parameters from
:mod:`search_ui.params` and :mod:`indexer.base` (facet fields, sorts, sizes), offering formats and limits
from :mod:`search_ui.api`, the offering's members and their help texts from the
:class:`~offerings.model.Offering` dataclass. ``tests/search_ui/test_openapi.py`` checks it against the
code parameter by parameter. The page is Swagger UI from the ``swagger-ui-bundle-v2`` package: no CDN.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from indexer.base import FACET_FIELDS, MAX_SIZE, SORTS
from offerings.model import Offering
from search_ui import api, openapi_sources
from search_ui.params import (
    DATE_PARAMETERS,
    MAX_QUERY_LENGTH,
    MAX_WINDOW,
    NOT_COMMA_SEPARATED,
    RANGE_PARAMETERS,
    reject_unknown,
)
from search_ui.problems import PROBLEM_MIMETYPE, PROBLEM_TYPE

__all__ = ["bp", "document"]

bp = Blueprint("openapi", __name__)

VERSION = "1.0.0"
FACET_HELP = {
    "country": "ISO 3166-1 alpha-2 code of the issuer's or provider's country (case-insensitive)",
    "provider": "provider slug, as in the `provider` facet (not comma-separated: names may hold commas)",
    "eqf_level": "EQF level, 1 to 8",
    "language": "ISO 639-1 language of instruction",
    "mode": "online, onsite, blended, work_based",
    "schedule": "full_time, part_time, self_paced",
    "isced_f": "ISCED-F 2013 field code; a broad or narrow field (05, 054) also matches the codes under it",
    "credential_type": "micro_credential, certificate, …",
    "qa_type": "type of quality assurance",
    "source": "source id",
    "esco_skill": "ESCO skill concept URI, as in the `esco_skill` facet",
}
RANGE_HELP = {
    "ects_min": "at least this many ECTS credits",
    "ects_max": "at most this many ECTS credits",
    "price_max": "costs at most this much (EUR)",
}
DATE_HELP = {"starts_after": "starts on or after this date", "starts_before": "starts on or before this date"}
SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"})
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microcred API</title>
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="v1/openapi.json"></div>
<script src="docs/swagger-ui-bundle.js"></script><script src="docs/init.js"></script></body></html>
"""
DOCS_INIT = """window.ui = SwaggerUIBundle({url: document.getElementById("swagger-ui").dataset.url,
  dom_id: "#swagger-ui", deepLinking: true});
"""
# Swagger UI builds its styles at run time; nothing else is loaded from anywhere but here.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def search_parameters() -> list[dict[str, Any]]:
    """The parameters of ``GET /api/v1/offerings``, from the parser's own tables."""
    text = {"type": "string", "maxLength": MAX_QUERY_LENGTH}
    params = [_query("q", text, "text to search for in titles, descriptions, skills and providers")]
    for name in FACET_FIELDS:
        values = {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 50}
        how = "repeat it" if name in NOT_COMMA_SEPARATED else "repeat it or separate values by commas"
        help_text = f"filter: {FACET_HELP.get(name, name)}; {how} (OR within a field, AND across fields)"
        params.append(_query(name, values, help_text, style="form", explode=True))
    params += [_query(n, {"type": "number", "minimum": 0}, RANGE_HELP[n]) for n in RANGE_PARAMETERS]
    params += [_query(n, {"type": "string", "format": "date"}, DATE_HELP[n]) for n in DATE_PARAMETERS]
    boolean = {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no", "on", "off"]}
    params += [
        _query("free", boolean, "only offerings free to follow"),
        _query("open", boolean, "only offerings that can still be joined"),
        _query("page", {"type": "integer", "minimum": 1, "default": 1}, f"page number; page × size ≤ {MAX_WINDOW}"),
        _query("size", {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": 20}, "results a page"),
        _query("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"}, "order of results"),
    ]
    return params


def _offering_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {f.name: {"description": f.metadata.get("help", "")} for f in fields(Offering)}
    properties |= {
        "completeness": {"type": "integer", "description": "Completeness score, 0–100"},
        "tier": {"type": "string"},
        "updated": {"type": "string", "format": "date-time"},
        "source": {"$ref": "#/components/schemas/SourceRef"},
        "cluster": {"type": "object", "description": "Every source this offering reached us from"},
    }
    return {"type": "object", "required": ["record_id", "title", "provider"], "properties": properties}


def _responses(ok: dict[str, Any], *errors: int) -> dict[str, Any]:
    out: dict[str, Any] = {"200": ok}
    # Every operation is rate limited (search_ui/limits.py) and refuses an unknown or revoked API key.
    for status in (*errors, 401, 429):
        out[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    return out


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _paths() -> dict[str, Any]:
    formats = list(api.OFFERING_FORMATS)
    any_object = {"type": "object"}
    return {
        "/api/v1/offerings": {
            "get": {
                "operationId": "search",
                "summary": "Search the catalogue",
                "parameters": search_parameters(),
                "responses": _responses(_json(_ref("SearchPage"), "a page of results with facet counts"), 400, 503),
            }
        },
        "/api/v1/offerings/{id}": {
            "get": {
                "operationId": "offering",
                "summary": "One offering, as JSON, schema.org JSON-LD, ELM JSON-LD or ELM LOQ XML",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
                    _query(
                        "format",
                        {"type": "string", "enum": formats},
                        "representation; else chosen by Accept (application/ld+json, its ELM profile, application/xml)",
                    ),
                ],
                "responses": _responses(
                    {
                        "description": "the offering",
                        "content": {
                            "application/json": {"schema": _ref("Offering")},
                            "application/ld+json": {"schema": any_object},
                            "application/xml": {"schema": {"type": "string"}},
                        },
                    },
                    400,
                    404,
                    410,
                ),
            }
        },
        "/api/v1/suggest": {
            "get": {
                "operationId": "suggest",
                "summary": "Completions on titles, providers and skills",
                "parameters": [
                    _query("q", {"type": "string", "minLength": 1}, "the text to complete", required=True),
                    _query(
                        "size", {"type": "integer", "minimum": 1, "maximum": api.SUGGEST_MAX_SIZE, "default": 10}, ""
                    ),
                ],
                "responses": _responses(_json(_ref("Suggestions"), "completions"), 400, 503),
            }
        },
        "/api/v1/changes": {
            "get": {
                "operationId": "changes",
                "summary": "Upserts and deletes after a cursor, oldest first",
                "parameters": [
                    _query("since", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "cursor: `next` of the last call"),
                    _query(
                        "limit",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": api.CHANGES_MAX_LIMIT,
                            "default": api.CHANGES_DEFAULT_LIMIT,
                        },
                        "changes a page",
                    ),
                ],
                "responses": _responses(_json(_ref("Changes"), "changes and the next cursor"), 400),
            }
        },
        "/api/v1/export.jsonl": {
            "get": {
                "operationId": "export",
                "summary": "The whole live catalogue, one offering (as GET /api/v1/offerings/{id}) a line",
                "description": "Streamed; gzip-encoded (still streamed) when Accept-Encoding allows gzip.",
                "responses": _responses(
                    {
                        "description": "NDJSON",
                        "headers": {
                            "Link": {
                                "description": 'rel="next": the change feed from the cursor read before the first line',
                                "schema": {"type": "string"},
                            },
                            "Content-Encoding": {
                                "description": "gzip when the request accepts it; absent otherwise",
                                "schema": {"type": "string", "enum": ["gzip"]},
                            },
                            "Vary": {"description": "Accept-Encoding", "schema": {"type": "string"}},
                        },
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    },
                    400,
                ),
            }
        },
        "/api/v1/sources": {
            "get": {
                "operationId": "sources",
                "summary": "Every registered source with its offering counts",
                "responses": _responses(
                    _json(
                        {
                            "type": "object",
                            "required": ["sources"],
                            "properties": {"sources": {"type": "array", "items": _ref("Source")}},
                        },
                        "the sources",
                    ),
                    400,
                ),
            }
        },
        "/api/v1/sources/{id}": {
            "get": {
                "operationId": "source",
                "summary": "One source: settings, probe report, counts, harvest runs and quality report",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": _responses(_json(_ref("Source"), "the source"), 404),
            }
        },
    }


def _schemas() -> dict[str, Any]:
    string_or_null = {"type": ["string", "null"]}
    facet_value = {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {}, "label": string_or_null, "count": {"type": "integer"}},
    }
    result = {
        "type": "object",
        "required": ["id", "title", "provider", "country", "ects_credits", "eqf_level", "languages", "mode", "url"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "provider": string_or_null,
            "country": {"type": "array", "items": {"type": "string"}},
            "ects_credits": {"type": ["number", "null"]},
            "eqf_level": {"type": ["integer", "null"]},
            "languages": {"type": "array", "items": {"type": "string"}},
            "mode": {"type": "array", "items": {"type": "string"}},
            "url": string_or_null,
            "start_date": string_or_null,
            "completeness": {"type": "integer"},
            "sources": {"type": "array", "items": _ref("SourceRef")},
        },
    }
    return {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string", "examples": list(PROBLEM_TYPE.values())},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "parameter": {"type": "string", "description": "the query parameter at fault (400)"},
            },
        },
        "SearchPage": {
            "type": "object",
            "required": ["total", "page", "size", "results", "facets"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "size": {"type": "integer", "minimum": 1},
                "results": {"type": "array", "items": result},
                "facets": {"type": "object", "additionalProperties": {"type": "array", "items": facet_value}},
            },
        },
        "SourceRef": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "name": string_or_null},
        },
        "Offering": _offering_schema(),
        "Suggestions": {
            "type": "object",
            "required": ["q", "suggestions"],
            "properties": {
                "q": {"type": "string"},
                "suggestions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["text", "kind"],
                        "properties": {"text": {"type": "string"}, "kind": {"type": "string"}},
                    },
                },
            },
        },
        "Changes": {
            "type": "object",
            "required": ["changes", "next", "more"],
            "properties": {
                "changes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "seq", "deleted", "updated"],
                        "properties": {
                            "id": {"type": "string"},
                            "seq": {"type": "integer"},
                            "deleted": {"type": "boolean"},
                            "updated": {"type": "string"},
                            "offering": _ref("Offering"),
                        },
                    },
                },
                "next": {"type": "string", "pattern": "^[0-9]+$"},
                "more": {"type": "boolean"},
            },
        },
        "Source": {
            "type": "object",
            "required": ["id", "url", "kind", "status", "offerings"],
            "properties": {
                "id": {"type": "string"},
                "url": {"type": "string"},
                "kind": {"type": "string", "enum": ["oai", "web", "feed", "auto"]},
                "name": string_or_null,
                "status": {"type": "string"},
                "offerings": {
                    "type": "object",
                    "required": ["live", "withdrawn"],
                    "properties": {"live": {"type": "integer"}, "withdrawn": {"type": "integer"}},
                },
            },
        },
    }


def _security_schemes() -> dict[str, Any]:
    """The API key, in either of its headers (search_ui/limits.py; issued by ``microcred keys add``)."""
    about = (
        "An API key issued by the operator (`microcred keys add NAME [--limit N/period]`). Optional: without one, "
        "a client's requests count against its address's rate limit; with one, against the key's own limit (or "
        "none). An unknown or revoked key is a 401 problem."
    )
    admin = (
        "The operator's token (MICROCRED_ADMIN_TOKEN) as a bearer token: the admin calls need it, and answer 403 "
        "while none is set, 401 without the right one. It is never counted as an API key."
    )
    return {
        openapi_sources.ADMIN_SCHEME: {"type": "http", "scheme": "bearer", "description": admin},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": about},
        "bearer": {"type": "http", "scheme": "bearer", "description": about + " The same token as a bearer token."},
    }


CONDITIONAL = ("/api/v1/offerings", "/api/v1/offerings/{id}", "/api/v1/export.jsonl")  # search_ui.http.VALIDATED


def _conditional(operation: dict[str, Any]) -> None:
    """Give ``operation`` its validators (search_ui/http.py): ETag and Last-Modified, the conditional request
    headers, and the 304 they may earn."""
    operation["parameters"] = [
        *operation.get("parameters", []),
        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}, "description": "an ETag seen before"},
        {
            "name": "If-Modified-Since",
            "in": "header",
            "schema": {"type": "string"},
            "description": "an HTTP date (a Last-Modified seen before); the ETag wins when both are sent",
        },
    ]
    ok = operation["responses"]["200"]
    ok["headers"] = {
        **ok.get("headers", {}),
        "ETag": {"description": "validator of the answer (weak for the export)", "schema": {"type": "string"}},
        "Last-Modified": {
            "description": "when what the answer shows last changed (a search while its index lags has none)",
            "schema": {"type": "string"},
        },
    }
    operation["responses"]["304"] = {"description": "not modified since the validator sent: no body"}


def _all_paths() -> dict[str, Any]:
    """The read side's paths with the write side's (search_ui/openapi_sources.py) and the document's own."""
    paths = _paths()
    for path in CONDITIONAL:
        _conditional(paths[path]["get"])
    for path, operations in openapi_sources.paths().items():
        paths[path] = {**paths.get(path, {}), **operations}
    paths["/api/v1/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": _responses(_json({"type": "object", "required": ["openapi", "paths"]}, "OpenAPI 3.1"), 400),
        }
    }
    return paths


@cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (built once; it depends on code only)."""
    problem = {PROBLEM_MIMETYPE: {"schema": _ref("Problem")}}
    titles = {400: "a parameter is invalid (named in `parameter`)", 404: "no such resource", 410: "withdrawn"}
    titles |= {405: "method not allowed", 503: "the search engine is unavailable"}
    titles |= {403: "admin calls are disabled: no admin token is set", 409: "conflicts with the resource's state"}
    titles |= {422: "understood but unusable: the field at fault is named in `parameter`"}
    titles |= {401: "the API key (X-API-Key or bearer) is unknown or revoked; send none, or a valid one"}
    titles |= {429: "past the rate limit: wait Retry-After seconds (RateLimit-* headers say where a client stands)"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "microcred API",
            "version": VERSION,
            "summary": "A federated catalogue of micro-credential offerings of European higher education",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": "/"}],
        "paths": _all_paths(),
        # A key is optional everywhere ({}: none); with one, requests count against the key's own rate limit.
        "security": [{}, {"apiKey": []}, {"bearer": []}],
        "components": {
            "securitySchemes": _security_schemes(),
            "schemas": _schemas() | openapi_sources.schemas(),
            "responses": {
                f"Problem{status}": {"description": text, "content": problem} for status, text in titles.items()
            },
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document."""
    reject_unknown(request.args, ())
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/api/docs")
def docs_page() -> Response:
    """Swagger UI over the document."""
    response = current_app.response_class(DOCS_PAGE, mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response


@bp.get("/api/docs/<name>")
def docs_asset(name: str) -> Response:
    """Swagger UI's own files, from the package, and the page's start script."""
    if name == "init.js":
        return current_app.response_class(DOCS_INIT, mimetype="text/javascript")
    if name not in SWAGGER_FILES:
        abort(404)
    response = send_from_directory(swagger_ui_path, name, max_age=86400)
    return response
