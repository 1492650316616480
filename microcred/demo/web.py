"""A demo web course catalogue: course pages with schema.org ``Course`` JSON-LD, a sitemap and robots.txt.

It gives ``microcred run --demo`` a source of kind ``web`` beside the OAI-PMH feeds: a fictional
Spanish university whose catalogue exists only as web pages, as many HEIs' do. Pages are generated
from :func:`microcred.demo.provider.synthetic_records` for one publisher, so they are stable.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import Any

from microcred.demo.provider import OfferingRecord, synthetic_records

__all__ = ["WEB_SLUG", "WebCatalogue", "demo_web_records"]

WEB_SLUG = "universidad-alcarria"
_PUBLISHER = "Universidad de la Alcarria"
_MODES = {"online": "online", "onsite": "onsite", "blended": "blended"}


def demo_web_records(count: int = 14) -> list[OfferingRecord]:
    """The demo web catalogue's offerings: the synthetic generator's records for one Spanish university."""
    found = [r for r in synthetic_records(600, seed=7) if r.publisher == _PUBLISHER and not r.deleted]
    return found[:count]


def _course(record: OfferingRecord, url: str) -> dict[str, Any]:
    instance: dict[str, Any] = {"@type": "CourseInstance", "courseMode": _MODES.get(record.mode or "", "online")}
    if record.start_date:
        instance["startDate"] = record.start_date.isoformat()
    if record.end_date:
        instance["endDate"] = record.end_date.isoformat()
    if record.price_eur is not None:
        instance["offers"] = {"@type": "Offer", "price": f"{record.price_eur:.2f}", "priceCurrency": "EUR"}
    course: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": url,
        "url": url,
        "name": record.title,
        "description": record.description,
        "inLanguage": record.language,
        "keywords": ", ".join(record.subjects),
        "provider": {
            "@type": "CollegeOrUniversity",
            "name": _PUBLISHER,
            "address": {"@type": "PostalAddress", "addressCountry": "ES"},
        },
        "hasCourseInstance": [instance],
    }
    if record.ects is not None:
        course["numberOfCredits"] = {"@type": "StructuredValue", "value": record.ects, "unitText": "ECTS"}
    if record.eqf_level is not None:
        course["educationalLevel"] = f"EQF {record.eqf_level}"
    return course


class WebCatalogue:
    """WSGI app serving the catalogue under ``prefix`` (e.g. ``/web/universidad-alcarria``)."""

    def __init__(self, records: list[OfferingRecord], prefix: str) -> None:
        self.prefix = prefix.rstrip("/")
        self.records = {r.identifier.rsplit(":", 1)[-1]: r for r in records}

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one WSGI request: the course list, the sitemap, or one course page (404 for anything else)."""
        base = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}{self.prefix}"
        path = (environ.get("PATH_INFO") or "/").removeprefix(self.prefix) or "/"
        if path == "/":
            return _send(start, "text/html", self._index(base))
        if path == "/sitemap.xml":
            return _send(start, "application/xml", self._sitemap(base))
        key = path.strip("/").removeprefix("courses/").removesuffix(".html")
        record = self.records.get(key)
        if record is None:
            start("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return _send(start, "text/html", self._page(record, f"{base}/courses/{key}.html"))

    def _index(self, base: str) -> bytes:
        items = "".join(
            f'<li><a href="{base}/courses/{key}.html">{html.escape(r.title)}</a></li>'
            for key, r in self.records.items()
        )
        head = f"<!DOCTYPE html><html lang='es'><title>{_PUBLISHER}</title>"
        return f"{head}<h1>Microcredenciales</h1><ul>{items}</ul>".encode()

    def _sitemap(self, base: str) -> bytes:
        urls = "".join(
            f"<url><loc>{base}/courses/{key}.html</loc><lastmod>{r.datestamp.date().isoformat()}</lastmod></url>"
            for key, r in self.records.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        ).encode()

    def _page(self, record: OfferingRecord, url: str) -> bytes:
        data = json.dumps(_course(record, url), ensure_ascii=False).replace("</", "<\\/")
        return (
            f"<!DOCTYPE html><html lang='{record.language}'><head><title>{html.escape(record.title)}</title>"
            f'<script type="application/ld+json">{data}</script></head>'
            f"<body><h1>{html.escape(record.title)}</h1><p>{html.escape(record.description)}</p></body></html>"
        ).encode()


def _send(start: Callable[..., Any], content_type: str, body: bytes) -> list[bytes]:
    start("200 OK", [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
