"""Report a problem on an offering (``/offerings/<id>/report``): a short form, CSRF-protected and rate-limited,
recorded with the offering, counted on its source's page and settled by the operator on ``/admin``."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from offerings.errors import NotFound
from offerings.store import problem_reports
from search_ui import csrf, services
from search_ui.api import live_record
from search_ui.labels import PROBLEM_CATEGORIES

__all__ = ["ui"]

ui = Blueprint("problem_reports", __name__)

MAX_MESSAGE = 2000


@ui.route("/offerings/<record_id>/report", methods=["GET", "POST"])
def report(record_id: str) -> tuple[str, int]:
    """The form, and what becomes of it."""
    record = live_record(record_id)
    title = record.offering.main_title
    # The store's categories, labelled in the UI language (the store's own labels are English).
    categories = {code: PROBLEM_CATEGORIES.get(code, label) for code, label in problem_reports.CATEGORIES.items()}
    if request.method == "GET":
        return render_template("report.html", record_id=record_id, title=title, categories=categories, form={}), 200
    csrf.require()
    form = {k: request.form.get(k, "") for k in ("category", "message", "contact")}
    error = None
    if form["category"] not in categories:
        error = _("Choose what is wrong.")
    elif not form["message"].strip():
        error = _("Tell us briefly what is wrong.")
    elif len(form["message"]) > MAX_MESSAGE:
        error = _("Please keep it under %(count)s characters.", count=MAX_MESSAGE)
    if error:
        page = render_template(
            "report.html", record_id=record_id, title=title, categories=categories, form=form, error=error
        )
        return page, 422
    problem_reports.add(
        services.store(), record_id, form["category"], form["message"].strip(), form["contact"].strip()[:254] or None
    )
    page = render_template("report.html", record_id=record_id, title=title, categories=categories, form={}, done=True)
    return page, 201


@ui.post("/admin/reports/<int:report_id>/<action>")
def settle(report_id: int, action: str) -> WerkzeugResponse:
    """The operator resolves or dismisses a report (from /admin)."""
    csrf.require()
    if session.get("admin") is not True or not services.services().settings.admin_token:
        abort(403, description=_("Sign in to the admin console first."))
    if action not in ("resolve", "dismiss"):
        abort(404)
    try:
        problem_reports.settle(
            services.store(), report_id, "resolved" if action == "resolve" else "dismissed", actor="operator"
        )
    except NotFound:
        abort(404)
    return redirect(url_for("admin.console", done=action, report=report_id), 303)
