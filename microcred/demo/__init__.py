"""Demo institutions and a real OAI-PMH data provider on loopback.

Four fictional institutions (Netherlands, Germany, France, Italy) publish their micro-credential
offerings from ``data/*.json`` as OAI-PMH feeds, served by the ``oaipmh`` package behind a plain WSGI
app. ``microcred demo-feeds`` and ``microcred run --demo`` serve them; tests and benchmarks harvest
them, change records at runtime with ``Provider.put``/``Provider.delete``, or wrap the WSGI app to
inject faults. ``synthetic_records`` makes big feeds for benchmarks.
"""

from microcred.demo.provider import (
    AREAS,
    SYNTHETIC_INSTITUTION,
    Institution,
    OfferingRecord,
    Provider,
    synthetic_provider,
    synthetic_records,
)
from microcred.demo.server import FeedApp, FeedServer, load_demo_feeds, load_institution, make_app, serve

__all__ = [
    "AREAS",
    "SYNTHETIC_INSTITUTION",
    "FeedApp",
    "FeedServer",
    "Institution",
    "OfferingRecord",
    "Provider",
    "load_demo_feeds",
    "load_institution",
    "make_app",
    "serve",
    "synthetic_provider",
    "synthetic_records",
]
