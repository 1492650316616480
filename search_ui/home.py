"""The home page ``/``: browse the catalogue by field of education, country and provider, then search.

Most visitors of course catalogues browse rather than search, so the home page opens with the
catalogue's fields of education (ISCED-F broad fields, each with the narrower fields found under
it), its countries and its providers, each with its count and a link into the search (or the
provider page). Below comes the search page itself, browsing the whole catalogue.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from flask import Blueprint, request, url_for

from indexer.base import SearchQuery
from offerings.vocab.isced import isced_f_label
from search_ui import services
from search_ui.labels import code_label
from search_ui.views import search_page

__all__ = ["bp", "browse"]

logger = logging.getLogger(__name__)

bp = Blueprint("home", __name__)


def _fields(values: list[Any]) -> list[dict[str, Any]]:
    """ISCED-F broad fields, each with its total (one count query) and the finer fields found under it."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for value in values:
        groups[value.value[:2]].append(value)
    engine = services.engine()
    fields = []
    for broad, found in sorted(groups.items()):
        codes = tuple(v.value for v in found)
        # An offering may carry several codes of one broad field: count offerings, not codes.
        total = engine.search(SearchQuery(filters={"isced_f": codes}, size=1, facets=())).total
        fields.append(
            {
                "code": broad,
                "label": isced_f_label(broad),
                "count": total,
                # The broad code itself: the search widens it to the codes under it, and the link stays short.
                "url": url_for("ui.search", isced_f=broad),
                "narrower": [
                    {
                        "code": v.value,
                        "label": isced_f_label(v.value),
                        "count": v.count,
                        "url": url_for("ui.search", isced_f=v.value),
                    }
                    for v in found
                    if v.value != broad
                ],
            }
        )
    return fields


def browse() -> dict[str, list[dict[str, Any]]]:
    """Fields of education, countries and providers of the live catalogue, with counts and links."""
    found = services.engine().search(SearchQuery(size=1, facets=("isced_f", "country", "provider")))
    return {
        "fields": _fields(found.facets.get("isced_f", [])),
        "countries": [
            {"label": code_label("country", v.value), "count": v.count, "url": url_for("ui.search", country=v.value)}
            for v in found.facets.get("country", [])
        ],
        "providers": [
            {
                "label": v.label or v.value,
                "count": v.count,
                "url": url_for("providers.page", provider_id=v.value),
            }
            for v in found.facets.get("provider", [])
        ],
    }


@bp.get("/")
def page() -> tuple[str, int]:
    """The home page: browse, then the search page over the whole catalogue."""
    return search_page(request.args, "home.html", browse=browse())
