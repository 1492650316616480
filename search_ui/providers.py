"""The provider page ``/providers/<id>``: an institution, its identifiers and sources, and its offerings.

A provider is known by the slug of its name, the value of the ``provider`` facet (the search
document's ``provider_id``), so every result card can link to it without a lookup. What the page says
about the institution comes from the stored record of one of its offerings: the name, country and
identifiers (Erasmus code, SCHAC, DEQAR) the provider gave. Its offerings are the search page's
results with the provider fixed: paged, with the same facets.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from indexer.base import SearchQuery
from offerings.errors import NotFound
from offerings.model import Organisation, pick_text
from search_ui import services
from search_ui.api import sources_by_id
from search_ui.labels import code_label
from search_ui.views import search_page

__all__ = ["IDENTIFIERS", "bp", "provider_details"]

logger = logging.getLogger(__name__)

bp = Blueprint("providers", __name__)

# The identifiers a student or a registrar looks up, in that order, with how to name them.
IDENTIFIERS: tuple[tuple[str, Any], ...] = (
    ("erasmus_code", _l("Erasmus code")),
    ("schac", _l("SCHAC home organisation")),
    ("deqar", _l("DEQAR institution id")),
    ("pic", _l("Participant identification code (PIC)")),
    ("ror", _l("ROR id")),
)


def _organisation(provider_id: str, document: dict[str, Any]) -> Organisation | None:
    try:
        record = services.store().get(str(document["id"]))
    except NotFound:  # the index is a moment ahead of the store
        return None
    name = document.get("provider")
    for org in record.offering.provider:
        if pick_text(org.name) == name:
            return org
    return record.offering.provider[0] if record.offering.provider else None


def provider_details(provider_id: str) -> dict[str, Any]:
    """Name, country, identifiers and sources (each with its last harvest) of provider ``provider_id``.

    Raises:
        werkzeug.exceptions.NotFound: no live offering names this provider (→ 404 page naming the id).
    """
    found = services.engine().search(
        SearchQuery(filters={"provider": (provider_id,)}, size=1, facets=("source", "country"))
    )
    if not found.total or not found.results:
        abort(404, description=_("No provider is known under “%(id)s”.", id=provider_id))
    document = found.results[0]
    org = _organisation(provider_id, document)
    store = services.store()
    sources = sources_by_id(store)
    listed = []
    for value in found.facets.get("source", []):
        source = sources.get(value.value)
        runs = store.sources.runs(value.value, limit=1)
        listed.append(
            {
                "id": value.value,
                "name": (source.name if source else None) or value.value,
                "count": value.count,
                "last_run": runs[0] if runs else None,
                "known": source is not None,
            }
        )
    country = (org.country if org else None) or next((v.value for v in found.facets.get("country", [])), None)
    return {
        "id": provider_id,
        "name": (pick_text(org.name) if org else None) or document.get("provider") or provider_id,
        "names": dict(org.name) if org else {},
        "country": country,
        "country_label": code_label("country", country) if country else None,
        "homepage": org.homepage if org else None,
        "identifiers": [(str(label), org.ids[key]) for key, label in IDENTIFIERS if org and org.ids.get(key)],
        "sources": listed,
        "total": found.total,
    }


@bp.get("/providers/<provider_id>")
def page(provider_id: str) -> tuple[str, int]:
    """One provider and its offerings (404 when no offering names it)."""
    provider = provider_details(provider_id)
    return search_page(request.args, "provider.html", fixed={"provider": provider_id}, provider=provider)
