"""The OpenAPI paths of the sources' write side: registration and "check my feed" (public), the ownership proof,
and the operator's admin calls (bearer ``MICROCRED_ADMIN_TOKEN``); part of :func:`search_ui.openapi.document`.

The request bodies are built from the field tables the views read (:data:`search_ui.registration.FIELDS`,
:data:`search_ui.admin.TRANSITION_FIELDS`, :data:`search_ui.ownership.PROOF_FIELDS`), the states from
:data:`offerings.store.lifecycle.STATES` and the kinds from :data:`harvesters.registration.KINDS`: a field added to
a view without a schema here fails on a ``KeyError`` when the document is built.
"""

from __future__ import annotations

from typing import Any

from harvesters.registration import KINDS
from offerings.store.lifecycle import STATES
from search_ui import admin, ownership, registration

__all__ = ["ADMIN_SCHEME", "paths", "schemas"]

ADMIN_SCHEME = "adminToken"
STRING_OR_NULL = {"type": ["string", "null"]}

# One schema per field the views read; the document takes the names from the views' own tables.
REGISTRATION_FIELDS: dict[str, dict[str, Any]] = {
    "url": {"type": "string", "description": "the feed: an OAI-PMH base URL, a catalogue document or a site"},
    "contact_email": {**STRING_OR_NULL, "description": "who we write to about the feed (required to register)"},
    "kind": {"type": ["string", "null"], "enum": [*KINDS, None], "description": "what the URL is; auto: probe"},
    "name": {**STRING_OR_NULL, "description": "a display name (else the feed's own)"},
    "country": {**STRING_OR_NULL, "description": "ISO 3166-1 code or English name of the institution's country"},
    "sets": {
        "description": "OAI-PMH setSpecs to harvest (one string or a list; none: the whole repository)",
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}],
    },
    "webhook_url": {
        **STRING_OR_NULL,
        "description": "an https address told of this source's alerts, signed with a secret answered once",
    },
}
TRANSITION_SCHEMAS: dict[str, dict[str, Any]] = {
    "to": {"type": "string", "enum": list(STATES), "description": "the state to move the source to"},
    "reason": {"type": "string", "description": "why, recorded with the transition (500 characters kept)"},
}
WEBHOOK_SCHEMAS: dict[str, dict[str, Any]] = {
    "url": {**STRING_OR_NULL, "description": "the source's own alert webhook (https); null clears it"},
}
PROOF_SCHEMAS: dict[str, dict[str, Any]] = {
    "method": {"type": "string", "enum": ["well-known", "email"], "description": "how ownership is proved"},
    "token": {"type": "string", "description": "the mailed token (method email)"},
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/Problem{status}"} for status in statuses}


def _json_body(schema: dict[str, Any], *, required: bool) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _ok(status: int, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {str(status): {"description": description, "content": {"application/json": {"schema": schema}}, **extra}}


def _source_id() -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "source id"}


def _admin(operation_id: str, summary: str, status: int, body: dict[str, Any], answer: dict[str, Any]) -> Any:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": "Admin: needs the operator's bearer token (MICROCRED_ADMIN_TOKEN); 403 while none is set.",
            "security": [{ADMIN_SCHEME: []}],
            "parameters": [_source_id()],
            "requestBody": _json_body(body, required=False),
            # 401 here is a wrong or missing admin token; rate limits apply as everywhere.
            "responses": _ok(status, answer, "done") | _problems(400, 401, 403, 404, 409, 429),
        }
    }


def paths() -> dict[str, Any]:
    """The write side's paths, keyed as in the document (``{id}`` for the source's id)."""
    registration_body = _json_body(_ref("Registration"), required=True)
    registered = {"Location": {"description": "the new source", "schema": {"type": "string"}}}
    reason = {
        "type": "object",
        "properties": {name: TRANSITION_SCHEMAS[name] for name in admin.ACTION_FIELDS},
        "description": "optional: why, recorded with the transition",
    }
    action = _ref("AdminAnswer")
    return {
        "/api/v1/sources": {
            "post": {
                "operationId": "register",
                "summary": "Register a feed: probed at once, it lands pending; 202 with the probe report and preview",
                "requestBody": registration_body,
                "responses": _ok(202, _ref("Registered"), "registered, pending", headers=registered)
                | _problems(400, 401, 409, 422, 429),
            }
        },
        "/api/v1/sources/check": {
            "post": {
                "operationId": "checkFeed",
                "summary": "Check my feed: the same probe and preview as registration, nothing stored",
                "requestBody": registration_body,
                "responses": _ok(200, _ref("FeedCheck"), "the probe report") | _problems(400, 401, 422, 429),
            }
        },
        "/api/v1/sources/{id}/approve": _admin(
            "approve", "Admin: make a pending or verified source active", 200, reason, action
        ),
        "/api/v1/sources/{id}/harvest": _admin(
            "harvestNow", "Admin: make an active source due now (the scheduler harvests it)", 202, reason, action
        ),
        "/api/v1/sources/{id}/verify": _admin(
            "verify", "Admin: the operator's confirmation of ownership", 200, reason, action
        ),
        "/api/v1/sources/{id}/transition": _admin(
            "transition",
            "Admin: move a source to any state its lifecycle allows, with a reason",
            200,
            {
                "type": "object",
                "required": ["to"],
                "properties": {name: TRANSITION_SCHEMAS[name] for name in admin.TRANSITION_FIELDS},
            },
            {"type": "object", "required": ["source"], "properties": {"source": _ref("Source")}},
        ),
        "/api/v1/sources/{id}/webhook": _admin(
            "setWebhook",
            "Admin: set or clear the source's own alert webhook; a new URL gets a new signing secret, answered once",
            200,
            {
                "type": "object",
                "required": ["url"],
                "properties": {name: WEBHOOK_SCHEMAS[name] for name in admin.WEBHOOK_FIELDS},
            },
            {
                "type": "object",
                "required": ["source", "webhook"],
                "properties": {
                    "source": {"type": "string"},
                    "webhook": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["url", "secret"],
                                "properties": {"url": {"type": "string"}, "secret": {"type": "string"}},
                            },
                            {"type": "null"},
                        ]
                    },
                },
            },
        ),
        "/api/v1/sources/{id}/ownership": {
            "post": {
                "operationId": "proveOwnership",
                "summary": "Prove ownership: the published well-known token, or the mailed one",
                "parameters": [_source_id()],
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["method"],
                        "properties": {name: PROOF_SCHEMAS[name] for name in ownership.PROOF_FIELDS},
                    },
                    required=True,
                ),
                "responses": _ok(200, _ref("OwnershipProved"), "ownership proved")
                | _problems(400, 401, 404, 409, 422, 429),
            }
        },
    }


def schemas() -> dict[str, Any]:
    """The write side's component schemas."""
    any_object = {"type": "object"}
    return {
        "Registration": {
            "type": "object",
            "required": ["url"],
            "additionalProperties": False,
            "properties": {name: REGISTRATION_FIELDS[name] for name in registration.FIELDS},
        },
        "FeedCheck": {
            "type": "object",
            "required": ["kind", "probe", "preview"],
            "properties": {
                "kind": STRING_OR_NULL,
                "probe": {**any_object, "description": "what the probe found: kind, formats, problems"},
                "preview": {"type": "array", "items": any_object, "description": "the first offerings, normalised"},
            },
        },
        "Registered": {
            "type": "object",
            "required": ["id", "status", "kind", "probe", "preview", "verification", "href"],
            "properties": {
                "id": {"type": "string"},
                "status": {"type": "string", "enum": list(STATES)},
                "kind": {"type": "string"},
                "probe": any_object,
                "preview": {"type": "array", "items": any_object},
                "verification": {
                    "type": "object",
                    "description": "how the owner proves ownership (the well-known token, the mailed link)",
                    "properties": {
                        "token": {"type": "string"},
                        "well_known_url": {"type": "string"},
                        "mailed_to": {"type": "array", "items": {"type": "string"}},
                        "mail_errors": {"type": "array", "items": {"type": "string"}},
                        "how": {"type": "string"},
                    },
                },
                "href": {"type": "string"},
            },
        },
        "AdminAnswer": {
            "type": "object",
            "required": ["message", "source"],
            "properties": {"message": {"type": "string"}, "source": _ref("Source")},
        },
        "OwnershipProved": {
            "type": "object",
            "required": ["id", "status", "verified"],
            "properties": {"id": {"type": "string"}, "status": {"type": "string"}, "verified": {"const": True}},
        },
    }
