"""The JSON API, version 1 (docs/architecture.md "HTTP API"): search, records, suggestions, changes, export, sources.

Every route answers JSON (or JSON-LD, or NDJSON); every error is a problem document from
:mod:`search_ui.problems`. Search goes to the engine; records, the change feed and the export come
from the store, which is the system of record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for

from offerings.errors import InvalidQuery
from offerings.export.elm_jsonld import ELM_PROFILE, learning_opportunity
from offerings.export.elm_xml import XML_MIMETYPE, loq_bytes
from offerings.export.schema_org import JSONLD_MIMETYPE, course_jsonld
from offerings.store import Source, Store, StoredRecord, lifecycle, problem_reports
from offerings.store import report as quality_report
from search_ui import compression, services
from search_ui.http import last_modified, link_header, page_links, sources_tag
from search_ui.labels import relabel_facets
from search_ui.params import parse_int, parse_search, reject_unknown, single
from search_ui.problems import Gone
from search_ui.records import document_dict, isotime, record_dict, results_with_sources, source_ref

__all__ = ["QUERY_PARAMETERS", "bp", "listed_sources", "live_record", "source_dict", "source_names", "sources_by_id"]

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CHANGES_DEFAULT_LIMIT = 100
CHANGES_MAX_LIMIT = 1000
SUGGEST_MAX_SIZE = 20
RUNS_SHOWN = 20
EXPORT_BATCH = 500  # records read a page: the export's memory is this many records, whatever the catalogue
ELM_MIMETYPE = f'{JSONLD_MIMETYPE}; profile="{ELM_PROFILE}"'
JSON_FORMATS = {"json": "application/json", "jsonld": JSONLD_MIMETYPE, "elm": ELM_MIMETYPE}
# The query parameters each view reads besides the search's (search_ui.params.SEARCH_PARAMETERS); anything else
# is a 400 naming it. The OpenAPI document is checked against this table (tests/search_ui/test_openapi.py).
QUERY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "api.offering": ("format",),
    "api.suggest": ("q", "size"),
    "api.changes": ("since", "limit"),
    "api.export": (),
    "api.sources": (),
    "api.source": (),
}
# Every representation of one offering: the JSON ones and ELM v3 LOQ XML.
OFFERING_FORMATS = {**JSON_FORMATS, "elm-xml": XML_MIMETYPE}


def sources_by_id(store: Store) -> dict[str, Source]:
    """Every source keyed by id (a handful of rows: cheaper than one lookup per record)."""
    return {source.id: source for source in store.sources.all()}


def source_names(store: Store) -> dict[str, str | None]:
    """Display names of the sources, for the ``source`` facet."""
    return {source.id: source.name for source in store.sources.all()}


def live_record(record_id: str) -> StoredRecord:
    """The stored record ``record_id``.

    Raises:
        NotFound: no such offering (→ 404).
        Gone: the offering is a tombstone (→ 410).
    """
    record = services.store().get(record_id)
    if record.deleted:
        raise Gone(f"Offering {record_id} was withdrawn by its source on {isotime(record.updated_at)}.")
    return record


@bp.get("/offerings")
def search() -> Response:
    """Search the catalogue: the pinned ``{"total", "page", "size", "results", "facets"}`` shape."""
    query = parse_search(request.args)
    engine = services.engine()
    # Read before the search: the answer reflects at least every change up to here (see _search_modified).
    applied = engine.last_seq()
    found = engine.search(query)
    store = services.store()
    sources = sources_by_id(store)
    found.facets = relabel_facets(found.facets, {source.id: source.name for source in sources.values()})
    page = found.to_dict()
    # Each result is one offering: it lists every source it reached us from (issue 5 §5).
    page["results"] = results_with_sources(page["results"], store, sources)
    response = jsonify(page)
    response.headers["Link"] = link_header(page_links("api.search", query.page, query.size, found.total))
    modified = _search_modified(store, applied, sources.values())
    if modified is not None:  # werkzeug dates a None as "now", which would claim what we do not know
        response.last_modified = modified
    return response


def _search_modified(store: Store, applied: int, sources: Iterable[Source]) -> datetime | None:
    """When a search's answer last changed: the catalogue's newest change, when the engine had applied it
    (``applied``, its ``last_seq`` read before searching) and the sources' own changes; None while the engine is
    behind the store, since the answer will then change without a newer change to date it by (the ETag still
    validates). A search ranks ended offerings last, so the start of today moves it too (local and UTC days:
    the engines reckon "today" either way)."""
    seq, changed = store.head()
    if applied < seq:
        return None
    now = datetime.now(UTC)
    midnights = (datetime.combine(date.today(), time()).astimezone(UTC), now.replace(hour=0, minute=0, second=0))
    return last_modified(changed, *(m for m in midnights if m <= now), sources=sources)


def _negotiate() -> str:
    """``json``, ``jsonld`` (schema.org), ``elm`` (ELM v3 LOQ JSON-LD) or ``elm-xml`` (ELM v3 LOQ XML).

    ``?format=`` wins; otherwise the Accept header decides: JSON-LD with the ELM LOQ profile
    (``application/ld+json; profile="http://data.europa.eu/snb/model/ap/loq"``) is ELM, plain
    JSON-LD is schema.org, ``application/xml`` (or ``text/xml``) is LOQ XML, and plain JSON is the
    answer when the client does not care.
    """
    reject_unknown(request.args, QUERY_PARAMETERS["api.offering"])
    fmt = single(request.args, "format")
    if fmt is not None:
        if fmt not in OFFERING_FORMATS:
            raise InvalidQuery("format", f"must be one of {', '.join(OFFERING_FORMATS)}, not {fmt!r}")
        return fmt
    if _asks_for_elm(request.headers.get("Accept", "")):
        return "elm"
    accept = request.accept_mimetypes
    best = accept.best_match(["application/json", JSONLD_MIMETYPE, XML_MIMETYPE, "text/xml"])
    if best in (XML_MIMETYPE, "text/xml"):
        # A browser lists application/xml above */* but below text/html: it gets JSON as before. Only a
        # client that prefers XML to HTML gets the export.
        html = max((q for kind, q in accept if kind == "text/html"), default=0)
        if accept.quality(best) > html:
            return "elm-xml"
    return "jsonld" if best == JSONLD_MIMETYPE else "json"


def _asks_for_elm(accept: str) -> bool:
    """Whether a media range of ``accept`` is JSON-LD with the ELM LOQ profile (and not q=0)."""
    for media_range in accept.split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        values = dict(p.split("=", 1) for p in params if "=" in p)
        profile = values.get("profile", "").strip('"')
        if kind == JSONLD_MIMETYPE and profile.rstrip("/") == ELM_PROFILE and values.get("q", "1") not in ("0", "0.0"):
            return True
    return False


@bp.get("/offerings/<path:record_id>")
def offering(record_id: str) -> Response:
    """One offering: the full normalised record with every source of the same offering, or schema.org
    Course JSON-LD, or ELM v3 LearningOpportunity JSON-LD or LOQ XML, when asked for."""
    fmt = _negotiate()
    record = live_record(record_id)
    if fmt == "elm-xml":
        page_url = url_for("ui.offering", record_id=record.id, _external=True)
        xml = loq_bytes(record.offering, page_url=page_url)
        response = current_app.response_class(xml, content_type=f"{XML_MIMETYPE}; charset=utf-8")
    elif fmt in ("jsonld", "elm"):
        page_url = url_for("ui.offering", record_id=record.id, _external=True)
        if fmt == "elm":
            document = learning_opportunity(record.offering, page_url=page_url)
        else:
            document = course_jsonld(record.offering, page_url=page_url, modified=record.updated_at)
        body = current_app.json.dumps(document)
        response = current_app.response_class(body + "\n", content_type=JSON_FORMATS[fmt])
    else:
        store = services.store()
        sources = sources_by_id(store)
        data = record_dict(record, sources)
        members = cluster_records(store, record)
        data["cluster"] = cluster_dict(store, record, sources, members)
        response = jsonify(data)
        # The JSON shows the other records of the offering, and the sources' names, too.
        changed = [member.updated_at for member in members]
        response.last_modified = last_modified(record.updated_at, *changed, sources=sources.values())
    # Caches must keep the JSON and JSON-LD answers apart.
    response.vary.add("Accept")
    if response.last_modified is None:
        response.last_modified = last_modified(record.updated_at)
    return response


def cluster_dict(
    store: Store, record: StoredRecord, sources: dict[str, Source], members: list[StoredRecord] | None = None
) -> dict[str, Any]:
    """Every source this offering reached us from (docs/normalisation.md §3.7: both records are kept);
    ``members`` are :func:`cluster_records` when the caller has them already."""
    members = members if members is not None else cluster_records(store, record)
    cluster = record.cluster or record.id
    shown = {
        "id": cluster,
        "records": [
            {
                "id": member.id,
                "source": source_ref(member.source_id, sources),
                "source_format": member.offering.source_format,
                "url": member.offering.record_url,
                "completeness": member.completeness,
                "tier": member.tier,
            }
            for member in members
        ],
    }
    return shown


def cluster_records(store: Store, record: StoredRecord) -> list[StoredRecord]:
    """The live records of ``record``'s offering (itself at least)."""
    return store.cluster_members(record.cluster or record.id) or [record]


@bp.get("/suggest")
def suggest() -> Response:
    """Completions of ``q`` over titles, providers and skills."""
    reject_unknown(request.args, QUERY_PARAMETERS["api.suggest"])
    prefix = single(request.args, "q")
    if prefix is None:
        raise InvalidQuery("q", "is required: the text to complete")
    size = parse_int(request.args, "size", default=10, low=1, high=SUGGEST_MAX_SIZE)
    return jsonify({"q": prefix, "suggestions": services.engine().suggest(prefix, size=size)})


def _cursor(raw: str | None) -> int:
    if raw is None:
        return 0
    # A cursor is the store's change sequence as a string; anything else did not come from us.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise InvalidQuery("since", f"not a cursor from this feed: {raw!r}")
    return int(raw)


def _change(record: StoredRecord, sources: dict[str, Source]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": record.id,
        "seq": record.seq,
        "deleted": record.deleted,
        "updated": isotime(record.updated_at),
    }
    if not record.deleted:
        entry["offering"] = record_dict(record, sources)
    return entry


@bp.get("/changes")
def changes() -> Response:
    """Upserts and deletes after the cursor ``since``, oldest first, with the cursor to continue from."""
    reject_unknown(request.args, QUERY_PARAMETERS["api.changes"])
    since = _cursor(single(request.args, "since"))
    limit = parse_int(request.args, "limit", default=CHANGES_DEFAULT_LIMIT, low=1, high=CHANGES_MAX_LIMIT)
    store = services.store()
    # One extra row tells whether there is more without a second query.
    rows = store.changes_since(since, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    sources = sources_by_id(store) if rows else {}
    next_seq = rows[-1].seq if rows else since
    response = jsonify({"changes": [_change(r, sources) for r in rows], "next": str(next_seq), "more": more})
    if more:
        next_url = url_for("api.changes", since=str(next_seq), limit=limit, _external=True)
        response.headers["Link"] = link_header({"next": next_url})
    return response


def _export_lines(store: Store, cursor: int, sources: dict[str, Source]) -> Iterator[str]:
    dumps = current_app.json.dumps
    # Keyset pages bounded by the cursor: nothing is remembered between pages, and a record changed while we
    # stream moves past the cursor, out of the range, so it never comes twice (the change feed brings it).
    # Each line from the record's stored JSON, decoded, without building its Offering (document_dict).
    for stored in store.iter_live_documents(cursor, batch=EXPORT_BATCH):
        yield dumps(document_dict(stored, sources)) + "\n"


@bp.get("/export.jsonl")
def export() -> Response:
    """The whole live catalogue, streamed as NDJSON, one offering a line, in constant memory."""
    reject_unknown(request.args, QUERY_PARAMETERS["api.export"])
    store = services.store()
    # Read before the first line, with its time in the same statement: the export holds every live record
    # whose last change is at or before the cursor, except those changed again while it streams, and the
    # change feed from the cursor holds those, so export + feed make a mirror whole.
    cursor, changed = store.head()
    sources = sources_by_id(store)
    response = current_app.response_class(mimetype="application/x-ndjson")
    # The validators describe this very snapshot: the cursor and the sources the lines name.
    response.set_etag(f"seq-{cursor}-{sources_tag(sources.values())}", weak=True)
    modified = last_modified(changed, sources=sources.values())
    if modified is not None:  # an empty catalogue with no sources has no date; werkzeug would say "now"
        response.last_modified = modified
    # Compressed chunk by chunk when the client accepts gzip: the export never sits in memory, either way.
    compression.encode(response, stream_with_context(_export_lines(store, cursor, sources)))
    response.headers["Content-Disposition"] = 'attachment; filename="microcred-offerings.jsonl"'
    response.headers["Link"] = link_header({"next": url_for("api.changes", since=str(cursor), _external=True)})
    return response


def source_dict(store: Store, source: Source, *, with_runs: bool) -> dict[str, Any]:
    """A source as the API shows it: its settings, live and withdrawn counts, and optionally its runs."""
    data = source.to_dict()
    data["offerings"] = {
        "live": store.count(source_id=source.id),
        "withdrawn": store.count(source_id=source.id, deleted=True),
    }
    if with_runs:
        data["probe"] = source.probe
        data["runs"] = store.sources.runs(source.id, limit=RUNS_SHOWN)
        data["transitions"] = [t.to_dict() for t in lifecycle.history(store, source.id)]
        data["problem_reports"] = problem_reports.counts(store, source.id)
    return data


def listed_sources(store: Store) -> list[Source]:
    """Sources people should see; the store's internal ``_removed`` holder of orphaned tombstones is not one."""
    return [s for s in store.sources.all() if not s.id.startswith("_")]


@bp.get("/sources")
def sources() -> Response:
    """Every registered source with its offering counts."""
    reject_unknown(request.args, QUERY_PARAMETERS["api.sources"])
    store = services.store()
    return jsonify({"sources": [source_dict(store, s, with_runs=False) for s in listed_sources(store)]})


@bp.get("/sources/<source_id>")
def source(source_id: str) -> Response:
    """One source: settings, probe report, counts, its last harvest runs (newest first) and the quality
    report of its records (what they carry, what they lack, their commonest warnings)."""
    reject_unknown(request.args, QUERY_PARAMETERS["api.source"])
    store = services.store()
    data = source_dict(store, store.sources.get(source_id), with_runs=True)
    data["quality"] = quality_report.for_source(store, source_id)
    return jsonify(data)
