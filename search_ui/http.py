"""HTTP for the API done properly: validators and 304s, Cache-Control, Link headers and CORS.

One ``after_request`` hook gives every API answer its caching and CORS headers and answers a matching
conditional request ``304 Not Modified`` (werkzeug's :meth:`~werkzeug.wrappers.Response.make_conditional`). The
searches and one offering get a strong ``ETag`` of their body; the streamed export a weak one naming the change
sequence it stops at (and the sources it names). The views set ``Last-Modified`` with :func:`last_modified`: one
offering, a search and the export each say when what they show last changed, so ``If-Modified-Since`` gets its
304 too. Errors are never cached. Views add ``Link`` headers with :func:`link_header`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Flask, Response, request, url_for

from offerings.store import Source
from search_ui.problems import is_api_request

__all__ = ["CACHE_CONTROL", "init_app", "last_modified", "link_header", "page_links", "sources_tag"]

# How long each resource may be reused: search and listings change with every harvest, one offering
# rarely, the change feed must always be asked again.
CACHE_CONTROL = {
    "api.search": "public, max-age=60",
    "api.offering": "public, max-age=300",
    "api.suggest": "public, max-age=300",
    "api.changes": "no-cache",
    "api.export": "public, max-age=300",
    "api.sources": "public, max-age=60",
    "api.source": "public, max-age=60",
    "openapi.openapi_json": "public, max-age=3600",
}
# Answers validated by a hash of their body; the streamed export sets its own (weak) ETag from the snapshot it
# streams. The views set Last-Modified (last_modified below), and a matching conditional request is a 304 here.
BODY_VALIDATED = frozenset({"api.search", "api.offering"})
VALIDATED = BODY_VALIDATED | {"api.export"}
EXPOSED = "ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"


def link_header(links: dict[str, str]) -> str:
    """An RFC 8288 ``Link`` header value of ``{rel: url}``."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


def page_links(endpoint: str, page: int, size: int, total: int) -> dict[str, str]:
    """``next``/``prev`` (and ``first``) URLs of a paged answer, keeping the request's other parameters."""
    args = request.args.to_dict(flat=False)

    def at(number: int) -> str:
        query = urlencode({**args, "page": [str(number)]}, doseq=True)
        return f"{url_for(endpoint, _external=True)}?{query}"

    links = {"first": at(1)}
    if page > 1:
        links["prev"] = at(page - 1)
    if page * size < total:
        links["next"] = at(page + 1)
    return links


def last_modified(*times: datetime | None, sources: Iterable[Source] = ()) -> datetime | None:
    """The ``Last-Modified`` of an answer made of records changed at ``times`` and naming ``sources``: the newest
    of those times and of the sources' own changes (a renamed source changes the answer too), as an aware UTC
    datetime; None when nothing is known. Stored times are naive UTC."""
    known = [t for t in (*times, *(source.updated_at for source in sources)) if t is not None]
    if not known:
        return None
    return max(t if t.tzinfo else t.replace(tzinfo=UTC) for t in known)


def sources_tag(sources: Iterable[Source]) -> str:
    """A short digest of what answers show of the sources (id, name, feed URL): part of a validator that must
    change when a source is renamed, and only then (a harvest's bookkeeping on the source row is not shown)."""
    shown = sorted((source.id, source.name or "", source.url) for source in sources)
    return hashlib.blake2b(repr(shown).encode(), digest_size=6).hexdigest()


def _cors(response: Response) -> None:
    if request.method == "OPTIONS":
        # A browser asks before a conditional GET (If-None-Match is not a simple header).
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since, X-API-Key"
        response.headers["Access-Control-Max-Age"] = "86400"
    elif request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED


def _finish(response: Response) -> Response:
    if not (is_api_request() or request.path.startswith("/oai")):
        return response
    _cors(response)
    if response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
        return response
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    endpoint = request.endpoint or ""
    if endpoint in CACHE_CONTROL:
        response.headers.setdefault("Cache-Control", CACHE_CONTROL[endpoint])
    if endpoint not in VALIDATED:
        return response
    if endpoint in BODY_VALIDATED:
        # No store query here: a search reads the store once, for its results' sources, and no more.
        response.add_etag()
    response.make_conditional(request)  # changes the response in place (and returns it, typed as werkzeug's)
    return response


def init_app(app: Flask) -> None:
    """Register the hook on ``app``."""
    app.after_request(_finish)
