"""OAI-PMH 2.0 data provider at ``/oai`` over the normalised catalogue (docs/api.md "OAI-PMH").

All six verbs; ``oai_dc`` and the native ``mco`` format (the normalised record, schema at ``/oai/mco.xsd``);
sets per provider and per country; deleted records kept (``persistent``); seconds granularity; signed
resumption tokens with ``completeListSize`` and an expiry. Protocol errors are OAI-PMH ``<error>`` answers
with status 200, as the protocol wants, not problem documents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request, url_for
from lxml import etree

from search_ui import services
from search_ui.oai.formats import mco_schema
from search_ui.oai.provider import OAI_NS, XSI, OaiError, Repository

__all__ = ["bp"]

bp = Blueprint("oai", __name__, url_prefix="/oai")

REPOSITORY_NAME = "microcred: micro-credentials of European higher education"
SCHEMA_LOCATION = f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


def repository() -> Repository:
    """The provider over the app's store."""
    return Repository(
        services.store(),
        current_app.config["SECRET_KEY"],
        name=REPOSITORY_NAME,
        admin_email=services.services().settings.oai.admin_email,
        page_size=current_app.config.get("OAI_PAGE_SIZE", 100),
    )


@bp.route("", methods=["GET", "POST"])
def oai() -> Response:
    """Answer one OAI-PMH request (GET query string or POST form, as the protocol allows)."""
    args = {name: request.values.getlist(name) for name in request.values}
    base_url = url_for("oai.oai", _external=True)
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    echo = etree.SubElement(root, f"{{{OAI_NS}}}request")
    echo.text = base_url
    repo = repository()
    try:
        verb = repo.check_arguments(args)
        flat = {name: values[0] for name, values in args.items()}
        for name, value in flat.items():
            echo.set(name, value)
        root.append(_answer(repo, verb, flat, base_url))
    except OaiError as exc:
        if exc.code in ("badVerb", "badArgument"):
            echo.attrib.clear()  # the protocol: no attributes echoed when the request itself is wrong
        error = etree.SubElement(root, f"{{{OAI_NS}}}error", code=exc.code)
        error.text = exc.message
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    response = current_app.response_class(body, content_type="text/xml; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _answer(repo: Repository, verb: str, args: dict[str, str], base_url: str) -> etree._Element:
    def page_url(record_id: str) -> str:
        return url_for("ui.offering", record_id=record_id, _external=True)

    if verb == "Identify":
        return repo.identify(base_url)
    if verb == "ListMetadataFormats":
        return repo.list_metadata_formats(args.get("identifier"), base_url)
    if verb == "ListSets":
        return repo.list_sets(args.get("resumptionToken"))
    if verb == "GetRecord":
        return repo.get_record(args["identifier"], args["metadataPrefix"], page_url)
    return repo.list_records(verb, args, page_url)


@bp.get("/mco.xsd")
def schema() -> Response:
    """The XML schema of the native format."""
    response = current_app.response_class(mco_schema(), content_type="application/xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
