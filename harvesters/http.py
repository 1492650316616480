"""HTTP for feeds from strangers: the SSRF policy, timeouts, a streamed byte cap, retries with backoff.

Every harvester request goes through :class:`FeedClient`. The address check happens at connect
time and on every redirect (ssrfguard resolves once and connects to the address it validated);
``allow_private_feeds`` lifts the address block for the demo and tests, and
``harvest.allowed_networks`` lets tests treat one loopback address as public.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import ip_network
from urllib.parse import urlsplit

import requests
from ssrfguard import Policy, SSRFGuardError
from ssrfguard.requests import Session as GuardedSession

from config import Settings
from offerings.errors import BlockedFeedError, FeedError

__all__ = ["FeedClient", "FeedResponse", "address_policy", "parse_http_date", "parse_retry_after"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_ALL_PORTS = frozenset(range(1, 65536))


@dataclass(slots=True)
class FeedResponse:
    """A fully read response body (within the byte cap)."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    elapsed: float


@dataclass(slots=True)
class _HostGate:
    """At most one request at a time per host, with a delay between them (politeness)."""

    delay: float
    locks: dict[str, threading.Lock] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def lock_for(self, host: str) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(host, threading.Lock())


_GATES: dict[float, _HostGate] = {}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    return None if when is None else max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date header value as an aware UTC datetime, or None when absent or garbled."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def address_policy(settings: Settings) -> Policy:
    """The address policy every harvester shares: the SSRF block, lifted by allow_private_feeds."""
    if settings.allow_private_feeds:
        return Policy(allowed_networks=(ip_network("0.0.0.0/0"), ip_network("::/0")), allowed_ports=_ALL_PORTS)
    return Policy(
        allowed_networks=tuple(ip_network(n) for n in settings.harvest.allowed_networks),
        allowed_ports=_ALL_PORTS if settings.harvest.allowed_networks else frozenset(settings.harvest.allowed_ports),
    )


class FeedClient:
    """GETs feed URLs under the SSRF policy, with timeouts, a byte cap, retries and politeness.

    ``wait_seconds`` accumulates the time spent waiting on the server (Retry-After and backoff).
    """

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:  # injectable clock
        self.settings = settings
        self.harvest = settings.harvest
        self.policy = address_policy(settings)
        self.session = GuardedSession(policy=self.policy)
        self.session.headers.update(
            {"User-Agent": settings.agent, "Accept": "text/xml, application/xml;q=0.9, */*;q=0.1"}
        )
        self.session.trust_env = False  # proxies would bypass the address check
        self.wait_seconds = 0.0
        self.requests = 0
        self._sleep = sleep
        self._gate = _GATES.setdefault(self.harvest.page_delay, _HostGate(self.harvest.page_delay))

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def check_url(self, url: str) -> None:
        """Refuse a URL the policy forbids, before any request.

        Raises:
            BlockedFeedError: wrong scheme, port, credentials or a literal private address.
        """
        try:
            self.policy.check_url(url)
        except SSRFGuardError as exc:
            raise BlockedFeedError(f"{url}: {exc}") from exc

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        accept_statuses: frozenset[int] = frozenset(),
        headers: Mapping[str, str] | None = None,
    ) -> FeedResponse:
        """GET with retries on 408/429/5xx, timeouts and connection resets; honours Retry-After (capped).

        Statuses in ``accept_statuses`` are returned instead of raised (OAI-PMH errors sent as 422).

        Raises:
            BlockedFeedError: the URL or a redirect targets a blocked address.
            FeedError: the feed kept failing, asked to wait longer than the cap, or sent too much.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._once(url, params, headers)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt > self.harvest.max_retries:
                    raise FeedError(f"{url}: {type(exc).__name__} after {attempt} attempts: {exc}") from exc
                self._backoff(attempt, None, url, str(exc))
                continue
            if response.status < 400 or response.status in accept_statuses:
                return response
            if response.status in RETRY_STATUSES and attempt <= self.harvest.max_retries:
                self._backoff(
                    attempt, parse_retry_after(response.headers.get("Retry-After")), url, f"HTTP {response.status}"
                )
                continue
            raise FeedError(f"{url}: HTTP {response.status} {_snippet(response.content)}")

    def _backoff(self, attempt: int, retry_after: float | None, url: str, why: str) -> None:
        if retry_after is not None and retry_after > self.harvest.max_retry_after:
            raise FeedError(
                f"{url}: {why} asks to wait {retry_after:.0f} s, more than the cap of "
                f"{self.harvest.max_retry_after:.0f} s"
            )
        # Exponential backoff with jitter when the server names no wait.
        delay = (
            retry_after if retry_after is not None else min(60.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random())
        )
        logger.warning("%s: %s, retry %d in %.1f s", url, why, attempt, delay)
        self.wait_seconds += delay
        self._sleep(delay)

    def check(self, url: str, *, method: str = "HEAD") -> FeedResponse:
        """One HEAD (or GET) request whose body is not read, without retries: a landing-page check.

        Redirects are followed under the same address policy; any status is returned.

        Raises:
            BlockedFeedError: the URL or a redirect targets a blocked address.
            requests.RequestException: no answer (connection refused, timeout, too many redirects).
        """
        return self._once(url, None, None, method=method, read_body=False)

    def _once(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        *,
        method: str = "GET",
        read_body: bool = True,
    ) -> FeedResponse:
        host = urlsplit(url).netloc
        with self._gate.lock_for(host):
            pause = self._gate.last.get(host, 0.0) + self._gate.delay - time.monotonic()
            if pause > 0:
                self._sleep(pause)
            started = time.monotonic()
            try:
                with self.session.request(
                    method,
                    url,
                    params=params,
                    headers=dict(headers) if headers else None,
                    stream=True,
                    timeout=(self.harvest.connect_timeout, self.harvest.read_timeout),
                ) as response:
                    # A link check needs the status only; closing the streamed response drops the body.
                    content = self._read_capped(response, url) if read_body else b""
                    result = FeedResponse(
                        url=response.url,
                        status=response.status_code,
                        headers=dict(response.headers),
                        content=content,
                        elapsed=time.monotonic() - started,
                    )
            except SSRFGuardError as exc:
                raise BlockedFeedError(f"{url}: {exc}") from exc
            except requests.exceptions.ChunkedEncodingError as exc:
                # A connection reset mid-body: transient, retried like a connection error.
                raise requests.ConnectionError(str(exc)) from exc
            finally:
                self._gate.last[host] = time.monotonic()
                self.requests += 1
        return result

    def _read_capped(self, response: requests.Response, url: str) -> bytes:
        cap = self.harvest.max_response_bytes
        declared = response.headers.get("Content-Length")
        if (
            declared
            and declared.isdigit()
            and int(declared) > cap
            and "gzip" not in response.headers.get("Content-Encoding", "")
        ):
            raise FeedError(f"{url}: response of {declared} bytes is over the cap of {cap} bytes")
        chunks: list[bytes] = []
        size = 0
        # iter_content yields decoded bytes, so a gzip bomb is capped on what it expands to.
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > cap:
                raise FeedError(f"{url}: response is over the cap of {cap} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        if body[:2] == b"\x1f\x8b":
            # Some repositories send gzip without Content-Encoding (metha's maybeCompressed); inflate, capped.
            body = _gunzip_capped(body, cap, url)
        return body


def _gunzip_capped(body: bytes, cap: int, url: str) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(body, cap + 1)
    except zlib.error as exc:
        raise FeedError(f"{url}: body looks gzip-compressed but does not inflate: {exc}") from exc
    if len(out) > cap or inflater.unconsumed_tail:
        raise FeedError(f"{url}: response is over the cap of {cap} bytes once decompressed")
    return out


def _snippet(content: bytes) -> str:
    text = content[:200].decode("utf-8", "replace")
    return " ".join(text.split())
