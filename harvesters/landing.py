"""The periodic landing-page check of rule V3: does each offering's ``record_url`` still answer?

For one source, :func:`check_source` takes up to ``links.max_checks`` of its live offerings (never checked
first, then least recently checked, so a large source is covered over several runs), sends HEAD to each
``record_url`` (GET when the server refuses HEAD with 405 or 501), and stores the outcome per record in the
``landing_checks`` table (:mod:`offerings.store.landing`). 2xx and 3xx pass; 4xx/5xx, no answer, a timeout
and a redirect to a blocked address fail with a stated reason. Two failed checks in a row put the V3 warning
on the record's quality (and so in the source's quality report); the next passing check takes it off.

Every request goes through :class:`~harvesters.http.FeedClient`, so the SSRF address policy applies at
connect time and on each redirect; politeness comes from its per-host gate (one request at a time per host,
``links.delay`` seconds apart). No retries: a transient failure is one failure, and it takes two in a row —
two harvests apart — to warn.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field

import requests
from ssrfguard.errors import TooManyRedirectsError

from config import Settings
from harvesters.http import FeedClient
from offerings.errors import BlockedFeedError, CatalogueError
from offerings.store import Store
from offerings.store import landing as landing_store

__all__ = ["LinkCheck", "LinkReport", "check_source", "check_url", "link_client"]

logger = logging.getLogger(__name__)

_HEAD_REFUSED = frozenset({405, 501})


@dataclass(slots=True, frozen=True)
class LinkCheck:
    """One landing-page check: the last HTTP status (None without an answer), the failure reason (None when
    it passed) and the failures in a row including this one."""

    record_id: str
    url: str
    status: int | None
    reason: str | None
    failures: int = 0

    @property
    def ok(self) -> bool:
        """Whether the page answered 2xx or 3xx."""
        return self.reason is None


@dataclass(slots=True)
class LinkReport:
    """What one link-check run of one source found."""

    source_id: str
    checks: list[LinkCheck] = field(default_factory=list)
    warned: int = 0
    cleared: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> list[LinkCheck]:
        """The checks that failed this run."""
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        """One line for the run's notes, logs and the CLI."""
        return (
            f"landing pages: checked {len(self.checks)}, failing {len(self.failed)}; "
            f"V3 warning added to {self.warned}, cleared from {self.cleared} ({self.seconds:.1f} s)"
        )


def link_client(settings: Settings) -> FeedClient:
    """A guarded client for link checks: the harvest's address policy and agent, the ``links`` delay and
    timeout, and no retries (a failure counts once; the streak across runs is what warns)."""
    links = settings.links
    harvest = dataclasses.replace(
        settings.harvest,
        page_delay=links.delay,
        connect_timeout=links.timeout,
        read_timeout=links.timeout,
        max_retries=0,
    )
    return FeedClient(dataclasses.replace(settings, harvest=harvest))


def check_url(client: FeedClient, url: str) -> tuple[int | None, str | None]:
    """(status, failure reason) of one landing page; the reason is None when it answered 2xx/3xx."""
    try:
        response = client.check(url, method="HEAD")
        if response.status in _HEAD_REFUSED:
            response = client.check(url, method="GET")
    except BlockedFeedError as exc:
        # The guarded session reports its redirect cap as a policy error; it is a loop, not a blocked address.
        if isinstance(exc.__cause__, TooManyRedirectsError):
            return None, "too many redirects"
        return None, f"blocked by the address policy: {exc}"
    except requests.TooManyRedirects:
        return None, "too many redirects"
    except requests.Timeout:
        return None, "no answer: timed out"
    except requests.RequestException as exc:
        return None, f"no answer: {type(exc).__name__}"
    except CatalogueError as exc:  # a refused scheme or port surfaces as the client's own error
        return None, str(exc)
    if response.status >= 400:
        return response.status, f"HTTP {response.status}"
    return response.status, None


def check_source(
    store: Store, source_id: str, settings: Settings, *, limit: int | None = None, client: FeedClient | None = None
) -> LinkReport:
    """Check up to ``limit`` (default ``links.max_checks``) landing pages of a source's live offerings, store
    the outcomes and update the V3 warnings.

    Raises:
        NotFound: no such source.
    """
    store.sources.get(source_id)
    started = time.monotonic()
    report = LinkReport(source_id=source_id)
    own = client is None
    http = client or link_client(settings)
    results: list[tuple[str, str, int | None, str | None]] = []
    try:
        for record_id, url in landing_store.due(store, source_id, limit or settings.links.max_checks):
            status, reason = check_url(http, url)
            if reason:
                logger.info("%s: landing page %s failed: %s", record_id, url, reason)
            results.append((record_id, url, status, reason))
    finally:
        if own:
            http.close()
    streaks = landing_store.record_results(store, source_id, results)
    report.checks = [
        LinkCheck(record_id, url, status, reason, streaks.get(record_id, 0))
        for record_id, url, status, reason in results
    ]
    report.warned, report.cleared = landing_store.apply_warnings(store, source_id, [r[0] for r in results])
    report.seconds = time.monotonic() - started
    logger.info("%s: %s", source_id, report.summary())
    return report
