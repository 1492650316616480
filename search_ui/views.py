"""The HTML UI: search with facets, the offering page as a credit supplement, and harvest status of sources.

Server-rendered Jinja; script only enhances (the search box's autocomplete, static/autocomplete.js). Facets
are checkboxes in one GET form, so they combine and every state of a search is a link that can be shared.
Bad parameters give a friendly message and a 400, never a traceback.
"""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from indexer.base import FACET_FIELDS, SearchPage
from offerings.errors import InvalidQuery
from offerings.export.schema_org import course_jsonld
from offerings.export.search import provider_slug
from offerings.model import pick_text
from offerings.store import report as quality_report
from offerings.vocab.isced import isced_f_within
from search_ui import services
from search_ui.api import cluster_dict, listed_sources, live_record, source_dict, sources_by_id
from search_ui.labels import code_label, relabel_facets
from search_ui.params import MAX_WINDOW, NOT_COMMA_SEPARATED, given_filters, parse_search
from search_ui.quality_page import quality_section
from search_ui.records import results_with_sources
from search_ui.supplement import annex_rows, instance_rows, price_lines, provenance_notes

__all__ = ["bp"]

logger = logging.getLogger(__name__)

bp = Blueprint("ui", __name__)

SORT_LABELS: dict[str, Any] = {
    "relevance": _l("Best match"),
    "start_date": _l("Start date, soonest first"),
    "-start_date": _l("Start date, latest first"),
    "ects": _l("ECTS credits, fewest first"),
    "-ects": _l("ECTS credits, most first"),
    "title": _l("Title, A to Z"),
    "updated": _l("Recently updated"),
}
# Parameters of the pages, not of the search: kept in every link, never sent to the engine.
UI_PARAMETERS = frozenset({"compare", "lang"})
PAGE_WINDOW = 2  # page links shown either side of the current page


def _base_url() -> str:
    # The search page's links stay on /search (also from the home page); another page's stay on that page.
    return url_for("ui.search") if request.endpoint in ("ui.search", "home.page") else request.path


def _search_url(pairs: list[tuple[str, str]]) -> str:
    return _base_url() + ("?" + urlencode(pairs) if pairs else "")


def _pairs(args: MultiDict[str, str], *, drop: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """The non-empty query pairs, without ``page`` (any change of search starts again at page 1)."""
    return [(k, v) for k, v in args.items(multi=True) if v.strip() and k != "page" and (k, v) != drop]


def _facets(page: SearchPage, chosen_filters: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Facets for the template, with the chosen values ticked and kept even when their count is 0.

    ``chosen_filters`` are the values as the query string gives them: a broad ISCED-F field stays one
    ticked value, not the finer codes the engine was asked for.
    """
    shown = []
    for name in FACET_FIELDS:
        chosen = chosen_filters.get(name, ())
        values = [
            {"value": v.value, "label": v.label, "count": v.count, "checked": v.value in chosen}
            for v in page.facets.get(name, [])
        ]
        listed = {v["value"] for v in values}
        values += [
            # A field with finer codes under it has no count of its own in the facet: none is shown, not 0.
            {"value": c, "label": code_label(name, c), "count": _unlisted_count(name, c), "checked": True}
            for c in chosen
            if c not in listed
        ]
        if values:
            shown.append({"name": name, "values": values, "open": bool(chosen) or len(values) <= 8})
    return shown


def _unlisted_count(name: str, value: str) -> int | None:
    """The count shown beside a chosen value the facet does not list: 0, or None for a wider ISCED-F field."""
    if name == "isced_f" and len(isced_f_within(value)) > 1:
        return None
    return 0


def _active_filters(args: MultiDict[str, str], facets: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chosen filter values as the user gave them, each with its label and the link that removes it."""
    labels = {(f["name"], v["value"]): v["label"] for f in facets for v in f["values"]}
    active = []
    for name, raw in args.items(multi=True):
        if name not in FACET_FIELDS or not raw.strip():
            continue
        parts = [raw] if name in NOT_COMMA_SEPARATED else [p.strip() for p in raw.split(",") if p.strip()]
        label = ", ".join(labels.get((name, p), code_label(name, p)) for p in parts)
        active.append({"name": name, "label": label, "remove": _search_url(_pairs(args, drop=(name, raw)))})
    return active


def _did_you_mean(args: MultiDict[str, str], page: SearchPage) -> dict[str, str] | None:
    """The corrected query the engine proposes, with the link searching it under the same filters."""
    if not page.did_you_mean:
        return None
    pairs = [("q", page.did_you_mean), *((k, v) for k, v in _pairs(args) if k != "q")]
    return {"q": page.did_you_mean, "url": _search_url(pairs)}


def _pagination(args: MultiDict[str, str], page: SearchPage) -> dict[str, Any]:
    last = max(1, min(math.ceil(page.total / page.size), MAX_WINDOW // page.size))
    base = _pairs(args)

    def link(number: int) -> str:
        return _search_url(base + ([("page", str(number))] if number > 1 else []))

    numbers = range(max(1, page.page - PAGE_WINDOW), min(last, page.page + PAGE_WINDOW) + 1)
    return {
        "current": page.page,
        "last": last,
        "previous": link(page.page - 1) if page.page > 1 else None,
        "next": link(page.page + 1) if page.page < last else None,
        "pages": [{"number": n, "url": link(n)} for n in numbers],
        "first_url": link(1),
        "last_url": link(last),
    }


def _engine_args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """The search parameters without the page's own (the comparison being built, the UI language)."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k not in UI_PARAMETERS])


@bp.get("/search")
def search() -> tuple[str, int]:
    """The search page; with no parameters it browses the whole catalogue."""
    return search_page(request.args, "search.html")


def search_page(
    args: MultiDict[str, str], template: str, *, fixed: dict[str, str] | None = None, **extra: Any
) -> tuple[str, int]:
    """Render ``template`` with a search of ``args``, its facets, filters and page links.

    ``fixed`` filters are added to every search and left out of the facets and links (the
    provider page's provider: it is in the page's path). Links lead back to the current page.
    """
    fixed = fixed or {}
    args = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in fixed])
    context: dict[str, Any] = {"args": args, "sorts": SORT_LABELS, "error": None, "page": None, **extra}
    engine_args = _engine_args(args)
    engine_args.update(fixed)
    try:
        query = parse_search(engine_args)
    except InvalidQuery as exc:
        context["error"] = exc
        return render_template(template, **context), 400
    page = services.engine().search(query)
    store = services.store()
    sources = sources_by_id(store)
    page.facets = relabel_facets(page.facets, {source.id: source.name for source in sources.values()})
    # Each result lists every source of its offering ("also offered via ..."): one store query a page.
    page.results = results_with_sources(page.results, store, sources)
    facets = [f for f in _facets(page, given_filters(engine_args)) if f["name"] not in fixed]
    first = (page.page - 1) * page.size + 1
    api_values: dict[str, Any] = engine_args.to_dict(flat=False)  # url_for takes each parameter's list of values
    context.update(
        query=query,
        page=page,
        facets=facets,
        active=_active_filters(args, facets),
        pagination=_pagination(args, page),
        did_you_mean=_did_you_mean(args, page),
        shown=(first, first + len(page.results) - 1),
        api_url=url_for("api.search", **api_values),
        atom_url=url_for("subscribe.atom", **api_values),
        form_action=_base_url(),
    )
    return render_template(template, **context), 200


@bp.get("/offerings/<path:record_id>")
def offering(record_id: str) -> str:
    """One offering laid out as a credit supplement (404 unknown, 410 withdrawn)."""
    record = live_record(record_id)
    o = record.offering
    lang = o.default_language
    page_url = url_for("ui.offering", record_id=record.id, _external=True)
    return render_template(
        "offering.html",
        record=record,
        offering=o,
        title=o.main_title or record.id,
        description=pick_text(o.description, lang),
        # Linked by the slug the search gives them (the main-language name, as the index folds it).
        providers=[(pick_text(p.name, lang), provider_slug(pick_text(p.name))) for p in o.provider],
        rows=annex_rows(o),
        # The record's ESCO skills, by the labels it gives them (else their URI), linked to ESCO.
        skills=[(pick_text(s.label, lang) or s.uri, s.uri) for s in o.esco_skills if s.uri],
        instances=instance_rows(o),
        prices=price_lines(o),
        notes=provenance_notes(o),
        missing=record.quality.get("missing", []),
        warnings=record.quality.get("warnings", []),
        jsonld=course_jsonld(record.offering, page_url=page_url, modified=record.updated_at),
        cluster=cluster_dict(services.store(), record, sources_by_id(services.store())),
    )


@bp.get("/sources")
def sources() -> str:
    """Every registered source with its offering counts and last harvest."""
    store = services.store()
    listed = []
    for source in listed_sources(store):
        data = source_dict(store, source, with_runs=False)
        runs = store.sources.runs(source.id, limit=1)
        data["last_run"] = runs[0] if runs else None
        listed.append(data)
    return render_template("sources.html", sources=listed)


@bp.get("/sources/<source_id>")
def source(source_id: str) -> str:
    """One source: what it is, how many offerings it gave, its harvest history and the quality of its
    records (the report ``GET /api/v1/sources/{id}`` returns)."""
    store = services.store()
    data = source_dict(store, store.sources.get(source_id), with_runs=True)
    quality = quality_section(quality_report.for_source(store, source_id))
    return render_template("source.html", source=data, quality=quality)
