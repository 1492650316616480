"""Probe a URL as a web catalogue: is it an HTML page or a sitemap, is there a sitemap, do pages carry Courses?

Runs in the registering process (CLI or API), so it uses the same SSRF-guarded :class:`FeedClient`
as the OAI probe rather than scrapy, fetches a handful of pages only, and honours robots.txt.
"""

from __future__ import annotations

import json
import logging
import zlib
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from protego import Protego

from config import Settings
from harvesters.http import FeedClient, FeedResponse
from harvesters.web.extract import PageMarkup, extract_page
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.errors import CrosswalkError, FeedError
from offerings.text import xml

__all__ = ["probe_web"]

logger = logging.getLogger(__name__)

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def probe_web(url: str, feed: FeedClient, settings: Settings, *, first: FeedResponse | None = None) -> dict[str, Any]:
    """What ``url`` offers as a web catalogue: the probe report of kind ``web``.

    ``first`` is the response to ``url`` when the caller has fetched it already.

    Raises:
        FeedError: the URL does not answer, or answers with neither an HTML page nor a sitemap.
    """
    first = first or feed.get(url)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(first.url))
    robots = _robots(feed, origin, settings.agent)
    sitemap_urls = _sitemap_locs(first, feed) if _is_xml(first) else None
    if sitemap_urls is None and not _is_html(first):
        kind = first.headers.get("Content-Type", "unknown type")
        raise FeedError(f"{url} is neither an HTML page nor a sitemap ({kind})")
    sitemap = url if sitemap_urls is not None else None
    if sitemap is None:
        for candidate in [*robots.sitemaps, f"{origin}/sitemap.xml"]:
            sitemap_urls = _fetch_sitemap(feed, candidate)
            if sitemap_urls is not None:
                sitemap = candidate
                break
    candidates: list[str] = list(sitemap_urls or [])
    samples: list[tuple[str, PageMarkup]] = []
    if sitemap is None or sitemap != url:
        markup = extract_page(first.content.decode(_charset(first), "replace"), first.url)
        samples.append((first.url, markup))
        candidates += _links(first, origin)
    limit = max(1, settings.web.probe_pages)
    for page in dict.fromkeys(candidates):
        if len(samples) >= limit:
            break
        if page == first.url or not robots.can_fetch(page, settings.agent):
            continue
        try:
            response = feed.get(page)
        except FeedError as exc:
            logger.info("probe: %s failed: %s", page, exc)
            continue
        if _is_html(response):
            samples.append((response.url, extract_page(response.content.decode(_charset(response), "replace"), page)))
    return _report(url, sitemap, sitemap_urls, samples)


def _report(
    url: str, sitemap: str | None, sitemap_urls: list[str] | None, samples: list[tuple[str, PageMarkup]]
) -> dict[str, Any]:
    courses = [(page, c, m.language) for page, m in samples for c in m.courses]
    preview = _preview(courses[:3])
    syntaxes = sorted({m.syntax for _, m in samples if m.syntax})
    warnings = []
    if not courses:
        warnings.append("no schema.org Course markup in the sampled pages: a harvest will find nothing until there is")
    if any(m.shell for _, m in samples):
        warnings.append("some pages look client-rendered (empty HTML filled in by JavaScript); we cannot read those")
    if sitemap is None:
        warnings.append("no sitemap found: pages will be found by following links from this page")
    return {
        "url": url,
        "kind": "web",
        "ok": True,
        "repository_name": next((p["provider"] for p in preview if p.get("provider")), None)
        or next((m.title for _, m in samples if m.title), None),
        "sitemap": sitemap,
        "sitemap_urls": len(sitemap_urls) if sitemap_urls is not None else None,
        "pages_sampled": len(samples),
        "courses_found": len(courses),
        "samples": [
            {"url": page, "courses": len(m.courses), "syntax": m.syntax, "problem": m.problem()} for page, m in samples
        ],
        "preview": preview,
        "formats": syntaxes,
        "readable_formats": ["schema_org"] if courses else [],
        "warnings": warnings,
    }


def _preview(courses: list[tuple[str, dict[str, Any], str | None]]) -> list[dict[str, Any]]:
    """The first offerings as the harvest will store them (title, provider, URL)."""
    out: list[dict[str, Any]] = []
    for page, course, language in courses:
        record = SourceRecord(identifier=page, payload=json.dumps(course).encode(), url=page)
        try:
            context = SourceContext(source_id="probe", extra={"page_language": language or ""})
            offering = CROSSWALKS["schema_org"](record, context)
        except CrosswalkError as exc:
            out.append({"url": page, "problem": str(exc)})
            continue
        except Exception as exc:  # a crosswalk bug: the preview says so instead of failing the probe
            logger.exception("probe: crosswalk failed on %s", page)
            out.append({"url": page, "problem": f"internal error: {exc!r}"})
            continue
        provider = offering.provider[0] if offering.provider else None
        out.append(
            {
                "title": offering.main_title,
                "provider": next(iter(provider.name.values())) if provider else None,
                "url": offering.record_url,
            }
        )
    return out


def _robots(feed: FeedClient, origin: str, agent: str) -> Protego:
    try:
        response = feed.get(f"{origin}/robots.txt", accept_statuses=frozenset({401, 403, 404, 410}))
    except FeedError:
        return Protego.parse("")
    return Protego.parse(response.content.decode("utf-8", "replace") if response.status < 400 else "")


def _fetch_sitemap(feed: FeedClient, url: str, *, nested: bool = False) -> list[str] | None:
    try:
        response = feed.get(url, accept_statuses=frozenset({401, 403, 404, 410}))
    except FeedError:
        return None
    if response.status >= 400:
        return None
    return _sitemap_locs(response, None if nested else feed)


def _sitemap_locs(response: FeedResponse, feed: FeedClient | None = None) -> list[str] | None:
    """Page URLs of a sitemap; of an index, those of its first sitemap (a sample needs no more); None if not one."""
    content = response.content
    if content[:2] == b"\x1f\x8b":
        try:
            content = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(content, 50_000_000)
        except zlib.error:
            return None
    try:
        root = xml.parse(content)
    except xml.XmlError:
        return None
    locs = [urljoin(response.url, (el.text or "").strip()) for el in root.iter(f"{SITEMAP_NS}loc") if el.text]
    if root.tag == f"{SITEMAP_NS}urlset":
        return locs
    if root.tag != f"{SITEMAP_NS}sitemapindex":
        return None
    if feed is None or not locs:
        return []
    return _fetch_sitemap(feed, locs[0], nested=True) or []


def _is_xml(response: FeedResponse) -> bool:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return kind.endswith("xml") and kind not in _HTML_TYPES or response.content.lstrip()[:5] == b"<?xml"


def _is_html(response: FeedResponse) -> bool:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return kind in _HTML_TYPES or (not kind and b"<html" in response.content[:2000].lower())


def _charset(response: FeedResponse) -> str:
    for part in response.headers.get("Content-Type", "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return "utf-8"


def _links(response: FeedResponse, origin: str) -> list[str]:
    """Same-site links of an HTML page, in page order."""
    try:
        tree = lxml.html.fromstring(response.content)
    except (etree.ParserError, ValueError):
        return []
    out = []
    for href in tree.xpath("//a/@href"):
        link = urljoin(response.url, str(href)).split("#")[0]
        if link.startswith(origin + "/") and link != response.url:
            out.append(link)
    return out
