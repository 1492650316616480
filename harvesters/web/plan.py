"""What one crawl is to do (:class:`CrawlPlan`), built from the settings and the source, and its scrapy settings.

The plan is the whole interface between the parent (the harvester in the scheduler process) and
the crawl subprocess: the parent writes it as JSON, the child reads it back. No scrapy import here.

Per-source settings live in ``source.state["web_settings"]`` (all optional):

==================  =============================================================================
``discovery``       ``auto`` (robots.txt ``Sitemap:`` lines, else ``/sitemap.xml``, else links),
                    ``sitemap`` (sitemaps only) or ``links`` (follow links from the start URL only)
``sitemaps``        sitemap URLs to read instead of discovering them
``page_pattern``    regex: only URLs matching it are course pages (sitemap entries and links)
``follow_pattern``  regex: only links matching it are followed (listing and pagination pages)
``depth``           how many links deep to follow from the start URL (default ``[web] depth``)
``max_pages``       page cap of one run (default ``[web] max_pages``)
``missing_runs``    runs a page may be missing before its offerings are deleted (default ``[web]``)
``allowed_domains`` extra domains pages may be on (the start URL's domain is always allowed)
==================  =============================================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config import Settings
from offerings.errors import HarvestError
from offerings.store import Source

__all__ = ["DISCOVERY_MODES", "CrawlPlan", "plan_for", "scrapy_settings", "site_settings"]

DISCOVERY_MODES = ("auto", "sitemap", "links")
MAX_CONCURRENCY_PER_DOMAIN = 2  # the politeness ceiling, whatever the settings say
PUBLIC_DELAY_FLOOR = 0.25  # seconds; lower delays only where private (loopback) addresses are allowed
_SITE_KEYS = {
    "discovery",
    "sitemaps",
    "page_pattern",
    "follow_pattern",
    "depth",
    "max_pages",
    "missing_runs",
    "allowed_domains",
}


@dataclass(slots=True, kw_only=True)
class CrawlPlan:
    """One crawl of one web source, as the subprocess receives it."""

    source_id: str
    start_url: str
    discovery: str = "auto"
    sitemaps: list[str] = field(default_factory=list)
    page_pattern: str | None = None
    follow_pattern: str | None = None
    depth: int = 1
    max_pages: int = 5000
    allowed_domains: list[str] = field(default_factory=list)
    known_lastmod: dict[str, str] = field(default_factory=dict)  # page URL → sitemap lastmod last time
    agent: str = ""
    delay: float = 1.0
    concurrency: int = MAX_CONCURRENCY_PER_DOMAIN
    max_page_bytes: int = 5_000_000
    download_timeout: float = 30.0
    timeout: float = 1800.0
    cache_dir: str | None = None
    allow_private_feeds: bool = False
    allowed_networks: list[str] = field(default_factory=list)
    allowed_ports: list[int] = field(default_factory=list)
    log_level: str = "INFO"

    def dump(self, path: Path) -> None:
        """Write the plan as JSON."""
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> CrawlPlan:
        """Read a plan written by :meth:`dump` (unknown keys are ignored)."""
        data = json.loads(path.read_text())
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def site_settings(source: Source) -> dict[str, Any]:
    """The source's per-site settings, checked.

    Raises:
        HarvestError: an unknown key, a bad discovery mode or an invalid regex (the HEI can fix it).
    """
    values = dict(source.state.get("web_settings") or {})
    unknown = set(values) - _SITE_KEYS
    if unknown:
        raise HarvestError(f"unknown web settings for {source.id}: {', '.join(sorted(unknown))}")
    if values.get("discovery", "auto") not in DISCOVERY_MODES:
        raise HarvestError(f"web setting discovery must be one of {', '.join(DISCOVERY_MODES)}")
    for key in ("page_pattern", "follow_pattern"):
        if values.get(key):
            try:
                re.compile(values[key])
            except re.error as exc:
                raise HarvestError(f"web setting {key} is not a valid regular expression: {exc}") from exc
    return values


def plan_for(source: Source, settings: Settings, *, full: bool, known_lastmod: dict[str, str]) -> CrawlPlan:
    """The crawl plan of ``source``: the ``[web]`` settings, overridden by the source's own.

    A full run forgets the sitemap ``lastmod`` values, so every listed page is fetched again.
    """
    web = settings.web
    site = site_settings(source)
    private = settings.allow_private_feeds or bool(settings.harvest.allowed_networks)
    host = (urlsplit(source.url).hostname or "").removeprefix("www.")
    cache = settings.data_dir.resolve() / "web-cache" / source.id if web.http_cache else None
    return CrawlPlan(
        source_id=source.id,
        start_url=source.url,
        discovery=site.get("discovery", "auto"),
        sitemaps=list(site.get("sitemaps", [])),
        page_pattern=site.get("page_pattern"),
        follow_pattern=site.get("follow_pattern"),
        depth=int(site.get("depth", web.depth)),
        max_pages=int(site.get("max_pages", web.max_pages)),
        allowed_domains=[host, *site.get("allowed_domains", [])],
        known_lastmod={} if full else dict(known_lastmod),
        agent=settings.agent,
        delay=web.delay if private else max(web.delay, PUBLIC_DELAY_FLOOR),
        concurrency=max(1, min(web.concurrency_per_domain, MAX_CONCURRENCY_PER_DOMAIN)),
        max_page_bytes=web.max_page_bytes,
        download_timeout=web.download_timeout,
        timeout=web.timeout,
        cache_dir=str(cache) if cache else None,
        allow_private_feeds=settings.allow_private_feeds,
        allowed_networks=list(settings.harvest.allowed_networks),
        allowed_ports=list(settings.harvest.allowed_ports),
    )


def scrapy_settings(plan: CrawlPlan) -> dict[str, Any]:
    """The scrapy settings of a crawl: politeness, limits, the guarded resolver, proxies and cookies off."""
    return {
        "BOT_NAME": "microcred",
        "USER_AGENT": plan.agent,
        "ROBOTSTXT_OBEY": True,
        # AutoThrottle adapts each site's delay to its latency but never goes below DOWNLOAD_DELAY.
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": max(plan.delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, plan.delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(plan.concurrency),
        "DOWNLOAD_DELAY": plan.delay,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": plan.concurrency,
        "DOWNLOAD_MAXSIZE": plan.max_page_bytes,
        "DOWNLOAD_WARNSIZE": plan.max_page_bytes,
        "DOWNLOAD_TIMEOUT": plan.download_timeout,
        "DNS_TIMEOUT": min(30.0, plan.download_timeout),
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_TIMES": 2,
        # Our own page cap stops scheduling cleanly; these only bound a crawl that runs away.
        "CLOSESPIDER_TIMEOUT": plan.timeout,
        "CLOSESPIDER_PAGECOUNT": plan.max_pages * 2 + 100,
        "HTTPPROXY_ENABLED": False,  # a proxy resolves names itself, bypassing the guarded resolver
        "COOKIES_ENABLED": False,  # a catalogue needs none, and the cookie middleware may fetch the PSL
        # No control surfaces in a crawl process: no telnet console, no remote-control HTTP server.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "s3": None, "ftp": None},
        "TWISTED_DNS_RESOLVER": "harvesters.web.policy.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {"harvesters.web.policy.AddressPolicyMiddleware": 40},
        "ITEM_PIPELINES": {"harvesters.web.stream.JsonLinesPipeline": 100},
        "HTTPCACHE_ENABLED": plan.cache_dir is not None,
        "HTTPCACHE_DIR": plan.cache_dir or "",
        # RFC 2616: revalidate with If-None-Match / If-Modified-Since, never serve what the site says is stale.
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
        "HTTPCACHE_IGNORE_HTTP_CODES": [500, 502, 503, 504],
        "LOG_LEVEL": plan.log_level,
        "LOGSTATS_INTERVAL": 300.0,
        "MICROCRED_ALLOW_PRIVATE_FEEDS": plan.allow_private_feeds,
        "MICROCRED_ALLOWED_NETWORKS": plan.allowed_networks,
        "MICROCRED_ALLOWED_PORTS": plan.allowed_ports,
        "MICROCRED_SITE_DOMAINS": plan.allowed_domains,
    }
