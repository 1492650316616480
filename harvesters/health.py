"""A source's health after each scheduled run: failures counted into ``failing`` and ``suspended``, recovery on
success, and alerts to the source's contact (mail) and the operator's webhook (JSON signed with HMAC-SHA256).

:func:`after_run` reads the run's report and the source's run history: ``health.failing_after`` failed runs in a
row make an active source ``failing`` (still harvested, each retry later than the last: the interval doubles
per failure, at most a week), ``health.suspend_after`` make it ``suspended`` (no longer harvested); the first
run that succeeds makes a failing source ``active`` again. A failed run, a full run that found nothing, a run
that deleted more than ``health.shrink_share`` of the source's offerings, and a run after which the mean
completeness of its offerings fell by more than ``health.completeness_drop_share`` of the last good run's each
raise an alert, which is also noted in the run (shown with its history). Alerts go to the source's contact, to
the operator's ``health.webhook_url`` (signed with ``health.webhook_secret``) and to the source's own webhook
when it has one (signed with the source's secret, given to the HEI at registration).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

from config import Settings
from harvesters import mail
from harvesters.base import HarvestReport
from harvesters.http import FeedClient
from offerings.store import Source, Store, lifecycle, problem_reports, utcnow

__all__ = ["SIGNATURE_HEADER", "after_run", "alerts_for", "consecutive_failures", "previous_completeness", "sign"]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Microcred-Signature"
MAX_BACKOFF = timedelta(days=7)
ACTOR = "health check"


def consecutive_failures(store: Store, source_id: str, *, limit: int = 100) -> int:
    """Failed runs in a row, newest first."""
    count = 0
    for run in store.sources.runs(source_id, limit=limit):
        if run["status"] != "failed":
            break
        count += 1
    return count


def alerts_for(
    report: HarvestReport, live_before: int, settings: Settings, *, completeness_before: float | None = None
) -> list[str]:
    """What is wrong with a run, in words for the source's contact; empty when nothing is.

    ``completeness_before`` is the mean completeness after the last good run before this one (None: unknown).
    """
    found: list[str] = []
    if report.status == "failed":
        found.append(f"the harvest failed: {report.error}")
        return found
    # An incremental OAI-PMH run that sees nothing new is normal; a full one that sees nothing is not.
    if report.full and report.counts.seen == 0 and live_before > 0:
        found.append("a full harvest found no records at all")
    if live_before and report.counts.deleted > settings.health.shrink_share * live_before:
        found.append(f"the harvest deleted {report.counts.deleted} of {live_before} offerings")
    after = report.completeness
    if completeness_before and after is not None:
        if completeness_before - after > settings.health.completeness_drop_share * completeness_before:
            found.append(
                f"the mean completeness of your offerings dropped from {completeness_before:g} to {after:g} (of 100)"
            )
    return found


def previous_completeness(store: Store, source_id: str) -> float | None:
    """The mean completeness recorded by the newest good run before the newest one; None when there is none."""
    for run in store.sources.runs(source_id, limit=50)[1:]:
        if run["status"] in ("success", "partial") and run.get("completeness") is not None:
            return float(run["completeness"])
    return None


def sign(secret: str, body: bytes) -> str:
    """The webhook signature header value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def after_run(store: Store, settings: Settings, source: Source, report: HarvestReport, *, live_before: int) -> str:
    """Update the source's status after a run and send its alerts; returns the status it ends in."""
    status = store.sources.get(source.id).status
    failures = consecutive_failures(store, source.id)
    if report.status == "failed":
        if failures >= settings.health.suspend_after and status in ("active", "failing"):
            why = f"{failures} harvests in a row failed; last: {report.error}"
            lifecycle.transition(store, source.id, "suspended", actor=ACTOR, reason=why, next_due_at=None)
            status = "suspended"
        elif failures >= settings.health.failing_after and status == "active":
            why = f"{failures} harvests in a row failed; last: {report.error}"
            lifecycle.transition(store, source.id, "failing", actor=ACTOR, reason=why)
            status = "failing"
        if status == "failing":
            delay = min(timedelta(seconds=source.every_seconds * 2 ** max(failures - 1, 0)), MAX_BACKOFF)
            # Through schedule(): a "harvest now" asked for during the run still wins over the backoff.
            store.sources.schedule(source.id, utcnow() + delay)
    elif status == "failing":
        lifecycle.transition(store, source.id, "active", actor=ACTOR, reason="a harvest succeeded again")
        status = "active"
    before = previous_completeness(store, source.id) if report.status != "failed" else None
    problems = alerts_for(report, live_before, settings, completeness_before=before)
    if problems:
        # Marks the run, so the source's history shows what was wrong and that its contact was told.
        store.sources.note_last_run(source.id, [f"alert: {p}" for p in problems])
        reported = [f"{r.record_id}: {r.category}: {r.message}" for r in problem_reports.open_reports(store, source.id)]
        notify(settings, source, status, problems, reported=reported)
    return status


def notify(
    settings: Settings, source: Source, status: str, problems: list[str], *, reported: list[str] | None = None
) -> None:
    """Mail the source's contact and POST the operator's webhook; a delivery that fails is logged, never raised.
    ``reported`` are the open problems people reported on the source's offerings, told with the alert."""
    payload: dict[str, Any] = {
        "event": "source.alert",
        "source": source.id,
        "url": source.url,
        "status": status,
        "problems": problems,
        "reported": reported or [],
        "at": utcnow().isoformat() + "Z",
    }
    if source.contact_email and mail.enabled(settings):
        body = (
            f"microcred could not harvest your feed {source.url} as it should:\n\n"
            + "".join(f"  - {p}\n" for p in problems)
            + f"\nThe source is now {status}.\n"
            + (
                "\nProblems people reported on your offerings:\n" + "".join(f"  - {r}\n" for r in reported)
                if reported
                else ""
            )
        )
        try:
            mail.send(settings, source.contact_email, f"microcred: a problem with {source.name or source.id}", body)
        except mail.MailError as exc:
            logger.warning("alert mail for %s not sent: %s", source.id, exc)
    if settings.health.webhook_url:
        _post_webhook(settings, settings.health.webhook_url, settings.health.webhook_secret, payload)
    if source.webhook_url:
        _post_webhook(settings, source.webhook_url, source.webhook_secret or "", payload)


def _post_webhook(settings: Settings, url: str, secret: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` to ``url``, signed with ``secret`` (unsigned when it is empty); failures are logged."""
    body = json.dumps(payload, sort_keys=True).encode()
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    client = FeedClient(settings)
    try:
        client.check_url(url)
        response = client.session.post(
            url,
            data=body,
            headers=headers,
            timeout=(settings.harvest.connect_timeout, settings.harvest.read_timeout),
            allow_redirects=False,
        )
        if response.status_code >= 300:
            logger.warning("webhook %s answered HTTP %s", url, response.status_code)
    except Exception as exc:  # SSRFGuardError, requests' errors, a blocked URL: an alert never fails a harvest
        logger.warning("webhook %s not delivered: %s", url, exc)
    finally:
        client.close()
