"""``microcred run --demo``: serve the bundled demo feeds and web catalogue on loopback, register, harvest."""

from __future__ import annotations

import errno
import logging
from urllib.parse import urlsplit

from microcred.demo import serve
from microcred.demo.server import FeedApp, FeedServer, demo_app
from microcred.demo.web import WEB_SLUG
from microcred.wiring import Catalogue
from offerings.errors import NotFound
from offerings.store import Source

__all__ = ["DEMO_PORT", "start_demo"]

logger = logging.getLogger(__name__)

DEMO_PORT = 8001


def _previous_port(catalogue: Catalogue) -> int | None:
    """The port the demo sources were registered with by an earlier start, if any."""
    try:
        url = catalogue.store.sources.get(f"demo-{WEB_SLUG}").url
    except NotFound:
        return None
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _serve_feeds(app: FeedApp, catalogue: Catalogue) -> FeedServer:
    # The port of the previous start first: the web catalogue's records are known by their page
    # URLs, so a new port would give them new identifiers (and the old ones would be withdrawn).
    previous = _previous_port(catalogue)
    for port in dict.fromkeys(p for p in (previous, DEMO_PORT) if p):
        try:
            return serve(app, host="127.0.0.1", port=port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    # Another process has those ports; any free port will do, the sources follow it below.
    return serve(app, host="127.0.0.1", port=0)


def _register(catalogue: Catalogue, source_id: str, url: str, *, kind: str, name: str, country: str) -> Source:
    store = catalogue.store
    try:
        source = store.sources.get(source_id)
    except NotFound:
        return catalogue.add_source(url, source_id=source_id, kind=kind, name=name, country=country)
    return store.sources.update(source_id, url=url) if source.url != url else source


def start_demo(catalogue: Catalogue) -> FeedServer:
    """Serve the demo feeds and web catalogue, register each as an active source (once), harvest them now.

    Returns the running server; the caller stops it. A restart re-uses the registered sources (their
    URLs follow the server's port) and harvests incrementally, so the data persists.
    """
    app = demo_app()
    server = _serve_feeds(app, catalogue)
    sources = [
        _register(
            catalogue,
            f"demo-{slug}",
            server.url_for(slug),
            kind="oai",
            name=provider.institution.name,
            country=provider.institution.country,
        )
        for slug, provider in sorted(app.providers.items())
    ]
    sources.append(
        _register(
            catalogue,
            f"demo-{WEB_SLUG}",
            f"{server.base_url}/web/{WEB_SLUG}/",
            kind="web",
            name="Universidad de la Alcarria",
            country="ES",
        )
    )
    for source in sources:
        report = catalogue.harvest(source)
        logger.info("demo: %s", report.summary())
    return server
