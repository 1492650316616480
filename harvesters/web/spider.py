"""The catalogue spider: discover course pages (sitemaps or links), extract Course markup, report every page.

Discovery, in ``auto`` mode: the ``Sitemap:`` lines of robots.txt; else ``/sitemap.xml``; else
links followed from the start URL within the site, to the configured depth and pattern. Sitemap
indexes are followed; an entry whose ``lastmod`` equals the one of the previous run is not fetched
(an incremental crawl) and reported as ``unchanged``. Each page yields one message (see
:mod:`harvesters.web.crawl`): ``page`` with its Course objects or the reason it has none, ``gone``
(404/410) or ``failed`` (blocked, too large, unreachable, disallowed by robots.txt).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from harvesters.web.extract import extract_page
from harvesters.web.plan import CrawlPlan
from harvesters.web.policy import BLOCKED

__all__ = ["CatalogueSpider"]

logger = logging.getLogger(__name__)

GONE = (404, 410)
LISTED_BATCH = 500  # sitemap entries per message
MAX_SITEMAP_DEPTH = 3  # index → index → urlset is the deepest real sites go
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class CatalogueSpider(scrapy.Spider):
    """Crawls one web source according to its :class:`CrawlPlan`."""

    name = "microcred-catalogue"

    def __init__(self, plan: CrawlPlan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        # Not scrapy's allowed_domains: its offsite filter drops requests (redirects too) without a
        # word; AddressPolicyMiddleware refuses them through the errback, so every page is reported.
        self.site_domains = [d for d in plan.allowed_domains if d]
        self.page_pattern = re.compile(plan.page_pattern) if plan.page_pattern else None
        # LinkExtractor's allow_domains compares host:port, so the site check is on_site() instead.
        self.links = LinkExtractor(allow=plan.follow_pattern or (), unique=True)
        self.scheduled: set[str] = set()
        self.capped = 0  # pages not fetched because the page cap was reached
        self.mode: str | None = None
        origin = urlsplit(plan.start_url)
        self.origin = f"{origin.scheme}://{origin.netloc}"

    # ---- discovery ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The first requests: explicit sitemaps, the start URL as a sitemap, robots.txt, or the start page."""
        plan = self.plan
        if plan.discovery != "links" and plan.sitemaps:
            self.mode = "sitemap"
            yield {"type": "discovery", "mode": "sitemap", "sitemaps": plan.sitemaps}
            for url in plan.sitemaps:
                yield self._sitemap_request(url, depth=0)
        elif plan.discovery != "links" and re.search(r"\.xml(?:\.gz)?$|sitemap", urlsplit(plan.start_url).path, re.I):
            # Settled when it answers: a sitemap, or (auto) a page to follow links from after all.
            yield self._sitemap_request(plan.start_url, depth=0, fallback=plan.discovery == "auto")
        elif plan.discovery == "links":
            for item in self._settle("links", []):
                yield item
        else:
            yield Request(
                f"{self.origin}/robots.txt",
                callback=self.parse_robots,
                errback=self.robots_failed,
                meta={"dont_obey_robotstxt": True},
                dont_filter=True,
            )

    def parse_robots(self, response: Response) -> Iterator[Any]:
        """robots.txt: its ``Sitemap:`` lines, else try ``/sitemap.xml`` (auto) or give up on sitemaps."""
        sitemaps = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status < 400 else []
        if sitemaps:
            yield from self._settle("sitemap", sitemaps)
        else:
            yield self._sitemap_request(f"{self.origin}/sitemap.xml", depth=0, fallback=True)

    def robots_failed(self, failure: Failure) -> Iterator[Any]:
        """No robots.txt (404 is common): look for /sitemap.xml next."""
        yield self._sitemap_request(f"{self.origin}/sitemap.xml", depth=0, fallback=True)

    def _settle(self, mode: str, sitemaps: list[str]) -> Iterator[Any]:
        if self.mode is not None:
            return
        if mode == "sitemap" and self.plan.discovery == "links":
            mode = "links"
        if mode == "links" and self.plan.discovery == "sitemap":
            yield {"type": "note", "message": "no sitemap found, and discovery is set to sitemaps only"}
            self.mode = "none"
            return
        self.mode = mode
        yield {"type": "discovery", "mode": mode, "sitemaps": sitemaps}
        if mode == "sitemap":
            for url in sitemaps:
                yield self._sitemap_request(url, depth=0)
        else:
            yield from self._page_request(self.plan.start_url, depth=0, start=True)

    def _sitemap_request(self, url: str, *, depth: int, fallback: bool = False) -> Request:
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            meta={"sitemap_depth": depth, "fallback": fallback},
            dont_filter=fallback,
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap or sitemap index: follow the index, list the pages, fetch those changed since last run."""
        sitemap = self._sitemap(response)
        if sitemap is None:
            if response.meta.get("fallback"):
                yield from self._settle("links", [])
            else:
                yield {"type": "failed", "url": response.url, "message": "sitemap: not a sitemap"}
            return
        yield from self._settle("sitemap", [response.url])
        entries = list(sitemap)
        yield {"type": "sitemap", "url": response.url, "kind": sitemap.type, "entries": len(entries)}
        if sitemap.type == "sitemapindex":
            depth = response.meta["sitemap_depth"] + 1
            if depth <= MAX_SITEMAP_DEPTH:
                for entry in entries:
                    yield self._sitemap_request(urljoin(response.url, entry["loc"]), depth=depth)
            return
        listed: list[list[str | None]] = []
        for entry in entries:
            url = urljoin(response.url, entry["loc"])
            if self.page_pattern and not self.page_pattern.search(url):
                continue
            lastmod = entry.get("lastmod")
            listed.append([url, lastmod])
            if lastmod and self.plan.known_lastmod.get(url) == lastmod:
                continue  # unchanged since the last run, by the sitemap's word
            yield from self._page_request(url, depth=self.plan.depth)
        for start in range(0, len(listed), LISTED_BATCH):
            yield {"type": "listed", "entries": listed[start : start + LISTED_BATCH]}

    def _sitemap(self, response: Response) -> Sitemap | None:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.plan.max_page_bytes)
            except (OSError, ValueError):
                return None
        try:
            sitemap = Sitemap(body)
        except Exception:  # lxml raises several kinds on garbage; a non-sitemap is not an error
            return None
        return sitemap if sitemap.type in ("urlset", "sitemapindex") else None

    def sitemap_failed(self, failure: Failure) -> Iterator[Any]:
        """A sitemap that cannot be fetched: report it, or (when guessing /sitemap.xml) follow links instead."""
        request = failure.request  # type: ignore[attr-defined]  # scrapy sets it; twisted's Failure lacks it
        if request.meta.get("fallback"):
            yield from self._settle("links", [])
        else:
            yield {"type": "failed", "url": request.url, "message": f"sitemap: {describe(failure)}"}

    # ---- pages -------------------------------------------------------------------------------------

    def _page_request(self, url: str, *, depth: int, start: bool = False) -> Iterator[Request]:
        if url in self.scheduled:
            return
        if len(self.scheduled) >= self.plan.max_pages:
            self.capped += 1
            return
        self.scheduled.add(url)
        meta = {"link_depth": depth, "start": start}
        yield Request(url, callback=self.parse_page, errback=self.page_failed, meta=meta)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """One page: its Course objects, or why it has none; then the links to follow (links mode)."""
        requested = origin(response.request) if response.request else response.url
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0].strip().lower()
        message: dict[str, Any] = {
            "type": "page",
            "url": response.url,
            "requested": requested,
            "status": response.status,
            "last_modified": (response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
            "cached": "cached" in response.flags,
            "courses": [],
        }
        if not isinstance(response, TextResponse) or (content_type and content_type not in _HTML_TYPES):
            yield message | {"problem": f"not an HTML page ({content_type or 'unknown type'})"}
            return
        markup = extract_page(response.text, response.url)
        listing = response.meta.get("start") and self.mode == "links"
        unwanted = self.page_pattern is not None and not self.page_pattern.search(response.url)
        yield message | {
            "courses": markup.courses,
            "syntax": markup.syntax,
            "language": markup.language,
            "errors": markup.errors,
            # A listing page or a page outside the pattern is not expected to carry a course.
            "problem": None if listing or unwanted else markup.problem(),
        }
        depth = response.meta.get("link_depth", 0)
        if self.mode == "links" and depth < self.plan.depth:
            for link in self.links.extract_links(response):
                if self.on_site(link.url):
                    yield from self._page_request(link.url, depth=depth + 1)

    def on_site(self, url: str) -> bool:
        """Whether ``url`` is on one of the source's domains (or their subdomains)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.site_domains)

    def page_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        """A page that did not answer 200: ``gone`` for 404/410, else ``failed`` with the reason."""
        request = failure.request  # type: ignore[attr-defined]  # scrapy sets it; twisted's Failure lacks it
        if isinstance(failure.value, HttpError) and failure.value.response.status in GONE:
            yield {"type": "gone", "url": origin(request), "status": failure.value.response.status}
            return
        yield {"type": "failed", "url": origin(request), "final": request.url, "message": describe(failure)}


def origin(request: Request) -> str:
    """The URL a request was first made for, before any redirect."""
    urls: list[str] = request.meta.get("redirect_urls") or [request.url]
    return urls[0]


def describe(failure: Failure) -> str:
    """A failed request in words an HEI can act on."""
    request = getattr(failure, "request", None)
    host = urlsplit(request.url).hostname if request is not None else None
    # isinstance on the value is Failure.check (untyped in twisted) for exception classes.
    if isinstance(failure.value, HttpError):
        return f"HTTP {failure.value.response.status}"
    if host and host in BLOCKED and isinstance(failure.value, Exception):
        return f"blocked by the address policy: {BLOCKED[host]}"
    if isinstance(failure.value, IgnoreRequest):
        text = str(failure.value)
        return text if text.startswith("blocked") else f"not fetched: {text or 'disallowed by robots.txt'}"
    text = str(failure.value)
    size = re.search(r"larger than download max size \((\d+)\)", text)
    if size:
        return f"page larger than the limit of {int(size.group(1)):,} bytes"
    return f"{type(failure.value).__name__}: {text}"
