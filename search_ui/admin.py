"""The operator's console: admin API calls (bearer ``MICROCRED_ADMIN_TOKEN``) and the ``/admin`` page.

``POST /api/v1/sources/{id}/approve`` makes a pending or verified source active; ``.../harvest`` makes an
active source due now (the scheduler takes it on its next tick); ``.../verify`` is the operator's confirmation
of ownership; ``.../transition`` moves a source to any state its lifecycle allows (``suspended``,
``removed`` …) with a reason; ``.../webhook`` sets (``{"url": ...}``) or clears (``{"url": null}``) the
source's own alert webhook and answers its new signing secret. Admin calls are refused (403) while no admin
token is set, and answered 401 without the right one. The ``/admin`` page asks for the same token once, keeps
the sign-in in the session and posts its buttons with a CSRF token. "Harvest now" on a source that is being
harvested is kept and runs right after the current run. Every change is a lifecycle transition recorded with
who and why.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as WerkzeugResponse

from harvesters import registration as reg
from offerings.errors import NotFound
from offerings.store import Store, lifecycle, problem_reports
from search_ui import csrf, services
from search_ui.api import listed_sources, source_dict
from search_ui.problems import problem

__all__ = ["ACTION_FIELDS", "TRANSITION_FIELDS", "WEBHOOK_FIELDS", "api", "ui"]

api = Blueprint("admin_api", __name__, url_prefix="/api/v1")
ui = Blueprint("admin", __name__)

_SESSION = "admin"
# The members of the admin calls' bodies: read here, documented from these tables (search_ui/openapi_sources.py).
ACTION_FIELDS = ("reason",)
TRANSITION_FIELDS = ("to", "reason")
WEBHOOK_FIELDS = ("url",)
HARVESTABLE = ("active", "failing")


def _token_matches(sent: str) -> bool:
    expected = services.services().settings.admin_token
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


def _refused() -> Response | None:
    """The problem answer to an admin call without the admin token; None when the call may go on."""
    if not services.services().settings.admin_token:
        return problem(
            403, "Forbidden", "admin calls are disabled: MICROCRED_ADMIN_TOKEN is not set", kind="unauthorized"
        )
    header = request.headers.get("Authorization", "")
    scheme, _, sent = header.partition(" ")
    if scheme.lower() != "bearer" or not _token_matches(sent.strip()):
        response = problem(401, "Unauthorized", "this call needs the admin bearer token", kind="unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="microcred admin"'
        return response
    return None


def _reason(default: str) -> str:
    body = request.get_json(silent=True) if request.is_json else None
    reason = body.get("reason") if isinstance(body, dict) else None
    return reason.strip()[:500] if isinstance(reason, str) and reason.strip() else default


def _apply(store: Store, source_id: str, action: str, *, actor: str, reason: str | None) -> str:
    """Do one operator action on a source; returns what happened, in words.

    Raises:
        NotFound: no such source.
        IllegalTransition: the action does not apply to the source's status.
    """
    source = store.sources.get(source_id)
    if action == "approve":
        lifecycle.transition(
            store, source_id, "active", actor=actor, reason=reason or "approved by the operator", next_due_at=None
        )
        return f"{source_id} is active; it is harvested on the next scheduler tick"
    if action == "verify":
        lifecycle.confirm_verification(store, source_id, None, method="operator", actor=actor)
        return f"{source_id}: ownership confirmed by the operator"
    if action == "harvest":
        if source.status not in HARVESTABLE:
            raise lifecycle.IllegalTransition(f"source {source_id!r} is {source.status}; only active sources harvest")
        store.sources.request_harvest(source_id)
        return f"{source_id} is due now; the scheduler harvests it on its next tick"
    if action == "suspend":
        lifecycle.transition(store, source_id, "suspended", actor=actor, reason=reason or "suspended by the operator")
        return f"{source_id} is suspended"
    if action == "remove":
        gone = lifecycle.remove(store, source_id, actor=actor, reason=reason or "removed by the operator")
        return f"{source_id} is removed; {gone} offerings withdrawn"
    abort(404)


def _api_action(source_id: str, action: str, status: int = 200) -> Response | tuple[Response, int]:
    refused = _refused()
    if refused is not None:
        return refused
    store = services.store()
    try:
        message = _apply(store, source_id, action, actor="operator (admin API)", reason=_reason(""))
    except lifecycle.IllegalTransition as exc:
        return problem(409, "Conflict", str(exc), kind="illegal-transition")
    data = source_dict(store, store.sources.get(source_id), with_runs=True)
    return jsonify({"message": message, "source": data}), status


@api.post("/sources/<source_id>/approve")
def approve(source_id: str) -> Response | tuple[Response, int]:
    """Admin: make a pending or verified source active."""
    return _api_action(source_id, "approve")


@api.post("/sources/<source_id>/harvest")
def harvest(source_id: str) -> Response | tuple[Response, int]:
    """Admin: harvest an active source now (it becomes due; 202)."""
    return _api_action(source_id, "harvest", 202)


@api.post("/sources/<source_id>/verify")
def verify(source_id: str) -> Response | tuple[Response, int]:
    """Admin: the operator's confirmation that the registrant speaks for the feed."""
    return _api_action(source_id, "verify")


@api.post("/sources/<source_id>/transition")
def move(source_id: str) -> Response | tuple[Response, int]:
    """Admin: move a source to ``{"to": "suspended" | "removed" | ..., "reason": "..."}``."""
    refused = _refused()
    if refused is not None:
        return refused
    body = request.get_json(silent=True) if request.is_json else None
    target = body.get("to") if isinstance(body, dict) else None
    if not isinstance(target, str) or target not in lifecycle.STATES:
        return problem(
            400,
            "Bad Request",
            f"to must be one of {', '.join(lifecycle.STATES)}",
            kind="invalid-parameter",
            parameter="to",
        )
    store = services.store()
    reason = _reason(f"set to {target} by the operator")
    try:
        if target == "removed":
            lifecycle.remove(store, source_id, actor="operator (admin API)", reason=reason)
        else:
            lifecycle.transition(store, source_id, target, actor="operator (admin API)", reason=reason)
    except lifecycle.IllegalTransition as exc:
        return problem(409, "Conflict", str(exc), kind="illegal-transition")
    return jsonify({"source": source_dict(store, store.sources.get(source_id), with_runs=True)})


@api.post("/sources/<source_id>/webhook")
def webhook(source_id: str) -> Response | tuple[Response, int]:
    """Admin: set or clear the source's alert webhook; a new URL gets a new secret, answered once."""
    refused = _refused()
    if refused is not None:
        return refused
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict) or "url" not in body or not isinstance(body["url"], str | None):
        detail = 'send {"url": "https://..."} or {"url": null}'
        return problem(400, "Bad Request", detail, kind="invalid-parameter", parameter="url")
    store = services.store()
    store.sources.get(source_id)  # NotFound: a 404 problem
    url = (body["url"] or "").strip()
    if not url:
        store.sources.update(source_id, webhook_url=None, webhook_secret=None)
        return jsonify({"source": source_id, "webhook": None})
    try:
        url = reg.check_webhook(url, services.services().settings)
    except reg.InvalidRegistration as exc:
        return problem(422, "Unusable webhook", exc.message, kind="invalid-registration", parameter="url")
    secret = reg.new_webhook_secret()
    store.sources.update(source_id, webhook_url=url, webhook_secret=secret)
    return jsonify({"source": source_id, "webhook": {"url": url, "secret": secret}})


# ---- the page --------------------------------------------------------------------------------------

# What the console says after one of its buttons, in the UI language (the API's messages, from _apply, stay
# English). The redirect names the action, not the words, so no text can be put on the page through the URL.
_DONE: dict[str, Any] = {
    "approve": _l("%(source)s is active; it is harvested on the next scheduler tick."),
    "verify": _l("%(source)s: ownership confirmed by the operator."),
    "harvest": _l("%(source)s is due now; the scheduler harvests it on its next tick."),
    "suspend": _l("%(source)s is suspended."),
    "remove": _l("%(source)s is removed; its offerings are withdrawn."),
    "resolve": _l("Report %(report)s is resolved."),
    "dismiss": _l("Report %(report)s is dismissed."),
}


def _done_message() -> str | None:
    """The notice for ``?done=<action>&source=<id>`` (or ``&report=<id>``); None for anything else."""
    template = _DONE.get(request.args.get("done", ""))
    if template is None:
        return None
    return str(template) % {"source": request.args.get("source", ""), "report": request.args.get("report", "")}


def _signed_in() -> bool:
    return session.get(_SESSION) is True and bool(services.services().settings.admin_token)


@ui.get("/admin")
def console() -> str:
    """Sign-in, or every source by status with the operator's buttons."""
    if not _signed_in():
        enabled = bool(services.services().settings.admin_token)
        return render_template("admin.html", signed_in=False, enabled=enabled, error=None, message=None)
    store = services.store()
    rows: list[dict[str, Any]] = []
    for source in listed_sources(store):
        data = source_dict(store, source, with_runs=False)
        found = lifecycle.verification(store, source.id)
        data["verified"] = bool(found and found.confirmed_at)
        rows.append(data)
    waiting = [r for r in rows if r["status"] in ("pending", "verified")]
    others = [r for r in rows if r["status"] not in ("pending", "verified")]
    reports = problem_reports.open_reports(store)
    return render_template(
        "admin.html",
        signed_in=True,
        waiting=waiting,
        others=others,
        reports=reports,
        message=_done_message(),
        error=None,
    )


@ui.post("/admin/login")
def login() -> WerkzeugResponse | tuple[str, int]:
    """Sign in with the admin token."""
    csrf.require()
    if not _token_matches(request.form.get("token", "").strip()):
        enabled = bool(services.services().settings.admin_token)
        error = _("That is not the admin token.") if enabled else _("The admin console is off: no admin token is set.")
        return render_template("admin.html", signed_in=False, enabled=enabled, error=error, message=None), 401
    session[_SESSION] = True
    return redirect(url_for("admin.console"), 303)


@ui.post("/admin/logout")
def logout() -> WerkzeugResponse:
    """Sign out."""
    csrf.require()
    session.pop(_SESSION, None)
    return redirect(url_for("admin.console"), 303)


@ui.post("/admin/sources/<source_id>/<action>")
def act(source_id: str, action: str) -> WerkzeugResponse | tuple[str, int]:
    """One button of the console (approve, verify, harvest, suspend, remove)."""
    csrf.require()
    if not _signed_in():
        abort(403, description=_("Sign in to the admin console first."))
    if action not in ("approve", "verify", "harvest", "suspend", "remove"):
        abort(404)
    reason = request.form.get("reason", "").strip()[:500] or None
    try:
        _apply(services.store(), source_id, action, actor="operator (admin page)", reason=reason)
    except lifecycle.IllegalTransition as exc:
        abort(409, description=str(exc))
    except NotFound:
        abort(404)
    return redirect(url_for("admin.console", done=action, source=source_id), 303)
