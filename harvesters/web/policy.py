"""The SSRF policy inside scrapy: the OAI harvester's address block, enforced at DNS resolution and per request.

Two layers, both built from the same :class:`ssrfguard.Policy` as :class:`harvesters.http.FeedClient`:

* :class:`GuardedResolver` (``TWISTED_DNS_RESOLVER``) checks the address every host name resolves
  to, and Twisted connects to exactly that address, so the check is the connect-time one that
  DNS rebinding cannot slip past. It covers pages, redirects, robots.txt and sitemaps alike
  (docs/harvesting.md §5).
* :class:`AddressPolicyMiddleware` refuses, before anything is sent, a URL whose scheme, port,
  credentials or literal address the policy forbids, so that a redirect to ``http://127.0.0.1/``
  is reported as blocked in words rather than as a failed DNS lookup.

Imported only in the crawl subprocess (it imports Twisted and scrapy).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from ssrfguard import Policy, SSRFGuardError
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from config import HarvestSettings, Settings
from harvesters.http import address_policy as feed_policy  # the one address policy every harvester shares

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

__all__ = ["BLOCKED", "AddressPolicyMiddleware", "BlockedAddressLookup", "GuardedResolver", "policy_from"]

logger = logging.getLogger(__name__)

# Host → why it was refused, for the crawl's report: Twisted turns a failed lookup into a bare
# "couldn't find the hostname", so the reason is kept here (one crawl per process).
BLOCKED: dict[str, str] = {}


class BlockedAddressLookup(DNSLookupError):
    """A host name resolved to an address the policy refuses."""


def policy_from(settings: BaseSettings) -> Policy:
    """The feed policy for the ``MICROCRED_*`` values the parent put into the crawl's scrapy settings."""
    harvest = HarvestSettings(
        allowed_networks=tuple(settings.getlist("MICROCRED_ALLOWED_NETWORKS")),
        allowed_ports=tuple(int(p) for p in settings.getlist("MICROCRED_ALLOWED_PORTS")),
    )
    return feed_policy(Settings(allow_private_feeds=settings.getbool("MICROCRED_ALLOW_PRIVATE_FEEDS"), harvest=harvest))


class GuardedResolver(CachingThreadedResolver):
    """scrapy's caching resolver, refusing any answer outside the policy (IPv4, like its parent)."""

    policy: Policy

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        """Build the resolver with the crawl's address policy."""
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = policy_from(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # Twisted's name
        """Resolve ``name`` and check the answer; fails with :class:`BlockedAddressLookup` when refused."""
        host = name.decode() if isinstance(name, bytes) else name
        return super().getHostByName(name, timeout).addCallback(self._check, host)

    def _check(self, address: str, host: str) -> str:
        try:
            self.policy.check_address(address)
        except SSRFGuardError as exc:
            BLOCKED[host] = f"{host} resolves to {exc}"
            logger.warning("blocked %s: %s", host, exc)
            raise BlockedAddressLookup(BLOCKED[host]) from exc
        return address


class AddressPolicyMiddleware:
    """Downloader middleware: refuse URLs the policy forbids, and URLs off the source's site, before requesting.

    Both refusals reach the request's errback (scrapy's own offsite filter drops requests without
    one), so a redirect to an internal address or to another site is reported for its page.
    """

    def __init__(self, policy: Policy, domains: list[str]) -> None:
        self.policy = policy
        self.domains = [d.lower().strip(".") for d in domains if d]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressPolicyMiddleware:
        """Build the middleware with the crawl's address policy and site domains."""
        return cls(policy_from(crawler.settings), crawler.settings.getlist("MICROCRED_SITE_DOMAINS"))

    def process_request(self, request: Request) -> None:
        """Let the request through, or raise IgnoreRequest naming the rule that refused it."""
        try:
            self.policy.check_url(request.url)
        except SSRFGuardError as exc:
            raise IgnoreRequest(f"blocked by the address policy: {exc}") from exc
        host = (urlsplit(request.url).hostname or "").lower()
        if self.domains and not any(host == d or host.endswith("." + d) for d in self.domains):
            raise IgnoreRequest(f"not fetched: {host} is off the site ({', '.join(self.domains)})")
