"""Proving ownership of a registered feed: the mailed link (``/sources/<id>/confirm``), the well-known token check
(``POST /sources/<id>/verify`` from the source's page, ``POST /api/v1/sources/{id}/ownership`` in the API).

A mailed link opens a page with one button rather than confirming on GET, so a mail scanner that follows links
confirms nothing. A wrong token is a 400; a well-known file that cannot be fetched a 422 saying why.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _

from harvesters import ownership
from offerings.errors import HarvestError
from offerings.store import lifecycle
from search_ui import csrf, services
from search_ui.problems import problem

__all__ = ["PROOF_FIELDS", "api", "ui"]

api = Blueprint("ownership_api", __name__, url_prefix="/api/v1")
ui = Blueprint("ownership", __name__)

# The members of a proof's body: read here, documented from this table (search_ui/openapi_sources.py).
PROOF_FIELDS = ("method", "token")


@ui.get("/sources/<source_id>/confirm")
def confirm_page(source_id: str) -> str:
    """The page a mailed link opens: what is being confirmed, and the button that confirms it."""
    source = services.store().sources.get(source_id)
    return render_template("confirm.html", source=source, token=request.args.get("token", ""), done=False)


@ui.post("/sources/<source_id>/confirm")
def confirm(source_id: str) -> tuple[str, int]:
    """Confirm ownership with the mailed token."""
    csrf.require()
    store = services.store()
    source = store.sources.get(source_id)
    try:
        lifecycle.confirm_verification(
            store, source_id, request.form.get("token", ""), method="email", actor="owner (mailed link)"
        )
    except lifecycle.IllegalTransition as exc:
        return render_template("confirm.html", source=source, token="", done=False, error=str(exc)), 400
    return render_template("confirm.html", source=store.sources.get(source_id), token="", done=True), 200


@ui.post("/sources/<source_id>/verify")
def verify(source_id: str) -> tuple[str, int]:
    """Check the well-known token from the source's page."""
    csrf.require()
    store = services.store()
    source = store.sources.get(source_id)
    try:
        proved = ownership.check_well_known(store, services.services().settings, source_id)
    except (HarvestError, lifecycle.IllegalTransition) as exc:
        return render_template("confirm.html", source=source, token="", done=False, error=str(exc)), 422
    if not proved:
        error = _("%(url)s does not hold this source's token yet.", url=ownership.well_known_url(source.url))
        return render_template("confirm.html", source=source, token="", done=False, error=error), 422
    return render_template("confirm.html", source=store.sources.get(source_id), token="", done=True), 200


@api.post("/sources/<source_id>/ownership")
def prove(source_id: str) -> Response | tuple[Response, int]:
    """``{"method": "well-known"}`` checks the published token; ``{"method": "email", "token": ...}`` takes the
    mailed one. 200 with the source's status when ownership is proved."""
    store = services.store()
    store.sources.get(source_id)
    body = request.get_json(silent=True) if request.is_json else None
    method = body.get("method") if isinstance(body, dict) else None
    if method not in ("well-known", "email"):
        detail = 'method must be "well-known" or "email"'
        return problem(400, "Bad Request", detail, kind="invalid-parameter", parameter="method")
    try:
        if method == "email":
            token = body.get("token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                return problem(400, "Bad Request", "token is required", kind="invalid-parameter", parameter="token")
            lifecycle.confirm_verification(store, source_id, token, method="email", actor="owner (mailed token)")
        elif not ownership.check_well_known(store, services.services().settings, source_id):
            detail = f"{ownership.well_known_url(store.sources.get(source_id).url)} does not hold the token"
            return problem(422, "Not proved", detail, kind="unusable-feed")
    except lifecycle.IllegalTransition as exc:
        return problem(409, "Conflict", str(exc), kind="illegal-transition")
    except HarvestError as exc:
        return problem(422, "Not proved", str(exc), kind="unusable-feed")
    return jsonify({"id": source_id, "status": store.sources.get(source_id).status, "verified": True})
