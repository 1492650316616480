"""Serve demo OAI-PMH feeds over HTTP: a plain WSGI app and a threaded loopback server.

``make_app(providers)`` answers ``/<slug>/oai`` for each provider (GET or form POST, as OAI-PMH
allows) and lists the feeds in a small HTML page at ``/``. The app is a plain WSGI callable so tests
and benchmarks can wrap it to inject faults (503 with Retry-After, truncated bodies, repeated
tokens…) without a second fake server. ``serve`` runs any WSGI app on a daemon thread and returns a
``FeedServer`` that knows its address and stops cleanly. ``load_demo_feeds`` reads the bundled
institutions from ``data/*.json``.
"""

from __future__ import annotations

import html
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import application_uri

from microcred.demo.provider import Institution, OfferingRecord, Provider

__all__ = ["FeedApp", "FeedServer", "demo_app", "load_demo_feeds", "load_institution", "make_app", "serve"]

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
XML_TYPE = "text/xml; charset=utf-8"
_MAX_FORM_BYTES = 64 * 1024


def _data_dir() -> Traversable:
    return resources.files("microcred.demo").joinpath("data")


def load_institution(source: Path | Traversable) -> tuple[Institution, list[OfferingRecord]]:
    """The institution and offerings of one demo JSON file (a path or an ``importlib.resources`` file)."""
    document = json.loads(source.read_text(encoding="utf-8"))
    meta = document["institution"]
    institution = Institution(
        slug=meta["slug"],
        name=meta["name"],
        country=meta["country"],
        homepage=meta["homepage"],
        repository_identifier=meta.get("repository_identifier"),
        admin_email=meta.get("admin_email"),
    )
    records = [
        OfferingRecord.from_dict(item, publisher=institution.name, country=institution.country)
        for item in document["offerings"]
    ]
    return institution, records


def load_demo_feeds(batch_size: int = 10) -> dict[str, Provider]:
    """A fresh provider per bundled demo institution, keyed by feed slug.

    Each call reads the files again, so runtime changes made to one set of providers (tests) never
    leak into another. With the default ``batch_size`` every feed spans at least three pages.
    """
    feeds: dict[str, Provider] = {}
    files = sorted((f for f in _data_dir().iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    for file in files:
        institution, records = load_institution(file)
        feeds[institution.slug] = Provider(institution, records, batch_size=batch_size)
    logger.debug("loaded %d demo feeds", len(feeds))
    return feeds


class FeedApp:
    """WSGI app serving ``providers`` at ``/<slug>/oai`` with an HTML index at ``/``.

    ``providers`` is kept by reference, so feeds added to the mapping later are served too.
    """

    def __init__(self, providers: Mapping[str, Provider], web: Mapping[str, Any] | None = None) -> None:
        self.providers = providers
        # Web catalogues (slug → WSGI app) served under /web/<slug>/, with a robots.txt naming their sitemaps.
        self.web = dict(web or {})

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one WSGI request: the index, robots.txt, a web catalogue, or an OAI-PMH verb of a feed.

        Returns the response body; 405 for methods other than GET, HEAD and POST, 404 for an unknown
        path, 500 (logged) when a feed fails.
        """
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "HEAD", "POST"):
            return _respond(
                start_response,
                "405 Method Not Allowed",
                b"GET, HEAD or POST only\n",
                "text/plain; charset=utf-8",
                method,
                [("Allow", "GET, HEAD, POST")],
            )
        if path == "/":
            return _respond(start_response, "200 OK", self._index(environ), "text/html; charset=utf-8", method)
        if path == "/robots.txt":
            base = application_uri(environ).rstrip("/")
            lines = ["User-agent: *", "Allow: /", *(f"Sitemap: {base}/web/{slug}/sitemap.xml" for slug in self.web)]
            return _respond(start_response, "200 OK", "\n".join(lines).encode() + b"\n", "text/plain", method)
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "web" and parts[1] in self.web:
            return self.web[parts[1]](environ, start_response)
        provider = self.providers.get(parts[0]) if len(parts) == 2 and parts[1] == "oai" else None
        if provider is None:
            return _respond(start_response, "404 Not Found", b"no such feed\n", "text/plain; charset=utf-8", method)
        try:
            body = self._oai(provider, parts[0], environ, method)
        except Exception:
            # oaipmh turns protocol errors into OAI error envelopes itself; anything reaching here is a bug.
            logger.exception("demo feed %s failed on %s", parts[0], environ.get("QUERY_STRING", ""))
            return _respond(
                start_response, "500 Internal Server Error", b"internal error\n", "text/plain; charset=utf-8", method
            )
        return _respond(start_response, "200 OK", body, XML_TYPE, method)

    def _oai(self, provider: Provider, slug: str, environ: dict[str, Any], method: str) -> bytes:
        query = environ.get("QUERY_STRING", "")
        if method == "POST" and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            length = environ.get("CONTENT_LENGTH") or "0"
            size = min(int(length) if length.isdigit() else 0, _MAX_FORM_BYTES)
            query = environ["wsgi.input"].read(size).decode("utf-8", "replace")
        base_url = application_uri(environ) + f"{slug}/oai"
        return provider.answer(parse_qs(query, keep_blank_values=True), base_url=base_url)

    def _index(self, environ: dict[str, Any]) -> bytes:
        root = application_uri(environ)
        rows = []
        for slug, provider in sorted(self.providers.items()):
            inst = provider.institution
            live = len(provider.records(include_deleted=False))
            url = html.escape(f"{root}{slug}/oai")
            rows.append(
                f"<tr><td>{html.escape(inst.name)}</td><td>{html.escape(inst.country)}</td><td>{live}</td>"
                f'<td><a href="{url}?verb=Identify">{url}</a></td></tr>'
            )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>microcred demo feeds</title></head>'
            "<body><h1>microcred demo feeds</h1><p>Fictional institutions, served as OAI-PMH 2.0 "
            "(<code>metadataPrefix=oai_dc</code>).</p><table><thead><tr><th>Institution</th><th>Country</th>"
            f"<th>Offerings</th><th>Base URL</th></tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>"
        )
        return page.encode("utf-8")


def _respond(
    start_response: Callable[..., Any],
    status: str,
    body: bytes,
    content_type: str,
    method: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *(extra or [])]
    start_response(status, headers)
    return [b""] if method == "HEAD" else [body]


def make_app(providers: Mapping[str, Provider], web: Mapping[str, Any] | None = None) -> FeedApp:
    """The WSGI app serving ``providers`` (slug → provider) at ``/<slug>/oai`` and ``web`` catalogues
    (slug → WSGI app) at ``/web/<slug>/``."""
    return FeedApp(providers, web)


def demo_app(batch_size: int = 10) -> FeedApp:
    """Every bundled demo source: the OAI-PMH feeds and the web catalogue."""
    from microcred.demo.rich import RICH_SLUG, rich_provider
    from microcred.demo.web import WEB_SLUG, WebCatalogue, demo_web_records

    web = {WEB_SLUG: WebCatalogue(demo_web_records(), f"/web/{WEB_SLUG}")}
    providers = load_demo_feeds(batch_size)
    providers[RICH_SLUG] = rich_provider(batch_size)  # the well-described one, in the native format too
    return make_app(providers, web)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # A fixed --port must be reusable straight after a restart.
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback to stderr; clients that hang up (as fault tests do) are not news.
        logger.debug("connection from %s failed", client_address, exc_info=True)


class _QuietHandler(WSGIRequestHandler):
    """wsgiref writes an access line per request to stderr; send it to the log instead."""

    def log_message(self, format: str, *args: Any) -> None:  # the base class's name
        logger.debug("%s %s", self.address_string(), format % args)


class FeedServer:
    """A WSGI app served on a daemon thread; use as a context manager or call :meth:`stop`."""

    def __init__(self, httpd: WSGIServer, thread: threading.Thread, host: str) -> None:
        self._httpd = httpd
        self._thread = thread
        self.host = host
        self.port: int = httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._stopped = False

    def url_for(self, slug: str) -> str:
        """The OAI-PMH base URL of feed ``slug``."""
        return f"{self.base_url}/{slug}/oai"

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        logger.info("demo feeds on %s stopped", self.base_url)

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(app: WSGIApp | Mapping[str, Provider], host: str = "127.0.0.1", port: int = 0) -> FeedServer:
    """Serve ``app`` (or, for convenience, a slug → provider mapping) on ``host:port`` in a daemon thread.

    ``port=0`` picks a free port; read it from ``FeedServer.port``.
    """
    wsgi_app: WSGIApp = make_app(app) if isinstance(app, Mapping) else app
    httpd = make_server(host, port, wsgi_app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    # A short poll interval keeps stop() quick; the cost is a wake-up every 50 ms on an idle server.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"demo-feeds:{port}", daemon=True
    )
    thread.start()
    url_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
    feed_server = FeedServer(httpd, thread, url_host)
    logger.info("demo feeds serving on %s", feed_server.base_url)
    return feed_server
