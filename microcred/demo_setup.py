"""``microcred run --demo``: serve the bundled demo feeds on loopback, register them, harvest them."""

from __future__ import annotations

import errno
import logging

from microcred.demo import load_demo_feeds, serve
from microcred.demo.server import FeedServer
from microcred.wiring import Catalogue
from offerings.errors import NotFound

__all__ = ["DEMO_PORT", "start_demo"]

logger = logging.getLogger(__name__)

DEMO_PORT = 8001


def _serve_feeds() -> FeedServer:
    feeds = load_demo_feeds()
    try:
        return serve(feeds, host="127.0.0.1", port=DEMO_PORT)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        # Another process has the usual port; any free port will do, the sources follow it below.
        return serve(feeds, host="127.0.0.1", port=0)


def start_demo(catalogue: Catalogue) -> FeedServer:
    """Serve the demo feeds, register each as an active source (once) and harvest it now.

    Returns the running feed server; the caller stops it. A restart re-uses the registered sources
    (their URLs follow the feed server's port) and harvests incrementally, so the data persists.
    """
    server = _serve_feeds()
    store = catalogue.store
    for slug, provider in load_demo_feeds().items():
        url = server.url_for(slug)
        source_id = f"demo-{slug}"
        try:
            source = store.get_source(source_id)
            if source.url != url:
                source = store.update_source(source_id, url=url)
        except NotFound:
            source = catalogue.add_source(
                url,
                kind="oai",
                name=provider.institution.name,
                country=provider.institution.country,
                source_id=source_id,
            )
        report = catalogue.harvest(source)
        logger.info("demo: %s", report.summary())
    return server
