"""The HEI's door: ``POST /api/v1/sources`` (register), ``POST /api/v1/sources/check`` ("check my feed") and the
``/register`` page that does both without JavaScript.

The work is :mod:`harvesters.registration`'s; this module reads the request and shapes the answer. Bad input
is a 400 (a body that is not a JSON object, a field of the wrong type) or a 422 naming the field (not a URL,
not an e-mail address; a feed that is blocked, unreachable or holds nothing we read); an endpoint registered
already is a 409 pointing at the existing source. The form shows the same problems in the page's language
(the API's problem details stay English, as API clients read them).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from harvesters import ownership
from harvesters import registration as reg
from offerings.errors import HarvestError
from search_ui import csrf, services
from search_ui.problems import problem

__all__ = ["FIELDS", "api", "ui"]

logger = logging.getLogger(__name__)

api = Blueprint("registration_api", __name__, url_prefix="/api/v1")
ui = Blueprint("registration", __name__)

# The members of a registration body: read here, documented from this table (search_ui/openapi_sources.py).
FIELDS = ("url", "contact_email", "kind", "name", "country", "sets", "webhook_url")

# The form's messages for each (field, code) of harvesters.registration.InvalidRegistration; %(value)s and
# the others are the values the error quotes. A problem without an entry here is shown as the API says it.
_MESSAGES: dict[tuple[str, str], Any] = {
    ("url", "required"): _l("A feed URL is required."),
    ("url", "too_long"): _l("The URL is longer than %(max)s characters."),
    ("url", "not_url"): _l("“%(value)s” is not a URL."),
    ("url", "scheme"): _l("“%(value)s” is not an http or https URL."),
    ("url", "no_host"): _l("“%(value)s” names no host."),
    ("url", "credentials"): _l("The URL must not carry a user name or password."),
    ("url", "spaces"): _l("“%(value)s” contains spaces."),
    ("contact_email", "required"): _l("A contact e-mail address is required."),
    ("contact_email", "email"): _l("“%(value)s” is not an e-mail address."),
    ("kind", "kind"): _l("“%(value)s” is not a kind of feed we know."),
    ("country", "country"): _l("“%(value)s” is not a country name or an ISO 3166-1 country code."),
    ("sets", "set"): _l("“%(value)s” is not an OAI-PMH set (setSpec)."),
    ("name", "too_long"): _l("The name is longer than %(max)s characters."),
    ("every", "every"): _l("The harvest interval cannot be read: %(detail)s"),
    ("webhook_url", "blocked"): _l("Alerts cannot be sent to this address: %(detail)s"),
}


# The form's messages for each code of a feed that cannot be used (offerings.errors.HarvestError.code, set by
# harvesters.probe and harvesters.registration); %(url)s and the others are the error's values. They say what
# the HEI can do; the English detail (the server's answer, the network error) stays in the API and the logs.
_FEED_MESSAGES: dict[str, Any] = {
    "blocked": _l(
        "“%(url)s” points to an address or port that feeds may not use, such as a private or local network "
        "address. Give the feed’s public address."
    ),
    "unreachable": _l(
        "%(url)s did not answer: the host cannot be reached. Check the address, and that the server accepts "
        "connections from the internet."
    ),
    "not_oai": _l("%(url)s did not answer an OAI-PMH Identify request. Check the OAI-PMH base URL."),
    "unreadable": _l("%(url)s answered, but not with anything we can read. Check the address."),
    "not_a_source": _l(
        "%(url)s is neither an OAI-PMH endpoint nor a catalogue document, web page or sitemap that we can read."
    ),
    "not_a_document": _l(
        "%(url)s is not a catalogue document we read (XCRI-CAP, ELM, EWP Courses, CTDL or schema.org JSON-LD)."
    ),
    "bad_document": _l("%(url)s is a catalogue document, but it cannot be read: it is not well-formed."),
    "nothing_readable": _l("%(url)s offers nothing we can read (formats offered: %(formats)s)."),
    "no_formats": _l("%(url)s offers no metadata format at all."),
    "kind": _l("“%(value)s” is not a kind of feed we know."),
}


def feed_message(exc: HarvestError) -> str:
    """What the form says about a feed that cannot be used, in the page's language."""
    message = _FEED_MESSAGES.get(exc.code)
    if message is None:
        return str(exc)
    values = {"url": "", **getattr(exc, "values", {})}
    if exc.code == "blocked" and not values["url"]:
        # Blocked errors come from the HTTP client, which names no value; the form knows what was typed.
        values["url"] = request.form.get("url", "").strip()
    return str(message) % values


def form_message(exc: reg.InvalidRegistration) -> str:
    """What the form says about ``exc``, in the page's language."""
    message = _MESSAGES.get((exc.field, exc.code))
    if message is None and exc.field == "webhook_url":  # checked as a feed URL is, so it reads the same
        message = _MESSAGES.get(("url", exc.code))
    if message is None:
        return exc.message
    return str(message) % exc.values


class BadBody(ValueError):
    """The request body is not what the API reads; ``parameter`` names the culprit."""

    def __init__(self, parameter: str | None, detail: str) -> None:
        super().__init__(detail)
        self.parameter = parameter
        self.detail = detail


def _from_json(body: Any) -> reg.Registration:
    if not isinstance(body, dict):
        raise BadBody(None, 'the request body must be a JSON object, e.g. {"url": ..., "contact_email": ...}')
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadBody(unknown[0], f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    for name in ("url", "contact_email", "kind", "name", "country", "webhook_url"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadBody(name, f"{name} must be a string")
    sets = body.get("sets") or []
    if isinstance(sets, str):
        sets = [sets]
    if not isinstance(sets, list) or not all(isinstance(s, str) for s in sets):
        raise BadBody("sets", "sets must be a list of OAI-PMH setSpecs (strings)")
    return reg.Registration(
        url=body.get("url") or "",
        contact_email=body.get("contact_email"),
        kind=body.get("kind") or "auto",
        name=body.get("name"),
        country=body.get("country"),
        sets=sets,
        webhook_url=body.get("webhook_url"),
    )


def _from_form() -> reg.Registration:
    form = request.form
    return reg.Registration(
        url=form.get("url", ""),
        contact_email=form.get("contact_email"),
        kind=form.get("kind") or "auto",
        name=form.get("name"),
        country=form.get("country"),
        sets=form.get("sets", "").replace(",", " ").split(),
        webhook_url=form.get("webhook_url"),
    )


def _api_body() -> reg.Registration | Response:
    if not request.is_json:
        return problem(
            400,
            "Bad Request",
            "send the registration as JSON (Content-Type: application/json)",
            kind="invalid-parameter",
        )
    try:
        return _from_json(request.get_json(silent=True))
    except BadBody as exc:
        return problem(400, "Bad Request", exc.detail, kind="invalid-parameter", parameter=exc.parameter)


def _failure(exc: Exception) -> Response:
    """The problem document of a registration that did not go through."""
    if isinstance(exc, reg.InvalidRegistration):
        return problem(422, "Invalid registration", exc.message, kind="invalid-registration", parameter=exc.field)
    if isinstance(exc, reg.AlreadyRegistered):
        found = exc.existing
        return problem(
            409,
            "Already registered",
            str(exc),
            kind="already-registered",
            existing={"id": found.id, "status": found.status, "href": url_for("api.source", source_id=found.id)},
        )
    return problem(422, "Feed cannot be used", str(exc), kind="unusable-feed", parameter="url")


@api.post("/sources")
def register() -> Response | tuple[Response, int]:
    """Register a feed: it is probed at once and lands ``pending``; 202 with the probe report and a preview."""
    wanted = _api_body()
    if isinstance(wanted, Response):
        return wanted
    s = services.services()
    try:
        source, report = reg.register(s.store, s.settings, wanted, status="pending")
    except (reg.InvalidRegistration, reg.AlreadyRegistered, HarvestError) as exc:
        return _failure(exc)
    proof = ownership.start(s.store, s.settings, source, report)
    body = {
        "id": source.id,
        "status": source.status,
        "kind": source.kind,
        "probe": report,
        "preview": report.get("preview", []),
        "verification": proof,
        "href": url_for("api.source", source_id=source.id),
    }
    if source.webhook_url:
        # The only time the secret is shown: the HEI checks the X-Microcred-Signature of its alerts with it.
        body["webhook"] = {"url": source.webhook_url, "secret": source.webhook_secret}
    response = jsonify(body)
    response.headers["Location"] = url_for("api.source", source_id=source.id)
    return response, 202


@api.post("/sources/check")
def check() -> Response:
    """Check my feed: the same probe and preview as registration, nothing stored."""
    wanted = _api_body()
    if isinstance(wanted, Response):
        return wanted
    try:
        report = reg.check(wanted, services.services().settings, contact_required=False)
    except (reg.InvalidRegistration, HarvestError) as exc:
        return _failure(exc)
    return jsonify({"kind": report.get("kind"), "probe": report, "preview": report.get("preview", [])})


@ui.route("/register", methods=["GET", "POST"])
def register_page() -> tuple[str, int]:
    """The registration form; "Check my feed" previews, "Register" also stores the source as pending."""
    if request.method == "GET":
        return render_template("register.html", form={}, error=None, report=None, source=None), 200
    csrf.require()
    wanted = _from_form()
    checking = request.form.get("action") == "check"
    form = {name: request.form.get(name, "") for name in (*FIELDS, "kind")}
    s = services.services()
    try:
        if checking:
            report = reg.check(wanted, s.settings, contact_required=False)
            return render_template("register.html", form=form, error=None, report=report, source=None), 200
        source, report = reg.register(s.store, s.settings, wanted, status="pending")
    except reg.InvalidRegistration as exc:
        error = {"field": exc.field, "message": form_message(exc)}
        return render_template("register.html", form=form, error=error, report=None, source=None), 422
    except reg.AlreadyRegistered as exc:
        message = _("This feed is registered already, as source %(id)s.", id=exc.existing.id)
        error = {"field": "url", "message": message, "existing": exc.existing.id}
        return render_template("register.html", form=form, error=error, report=None, source=None), 409
    except HarvestError as exc:
        error = {"field": "url", "message": feed_message(exc)}
        return render_template("register.html", form=form, error=error, report=None, source=None), 422
    proof = ownership.start(s.store, s.settings, source, report)
    return render_template("register.html", form=form, error=None, report=report, source=source, proof=proof), 201
