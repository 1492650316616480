"""Proof that whoever registered a feed speaks for it: a token published on the feed's host, a mailed link, or
the operator's word.

:func:`start` gives a pending source its token and says how to prove ownership: publish the token at
``/.well-known/microcred-verification`` on the feed's host (:func:`check_well_known` fetches it through the
SSRF-guarded :class:`~harvesters.http.FeedClient`), or follow the link mailed to an address the feed itself
vouches for (its OAI-PMH ``Identify`` ``adminEmail``, or the contact address when it is on the feed's domain).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

from config import Settings
from harvesters import mail
from harvesters.http import FeedClient
from offerings.errors import FeedError, HarvestError
from offerings.store import Source, Store, lifecycle

__all__ = ["WELL_KNOWN", "check_well_known", "confirm_url", "mail_candidates", "start", "well_known_url"]

logger = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/microcred-verification"


def well_known_url(feed_url: str) -> str:
    """Where the token of a feed at ``feed_url`` is looked for: the well-known path on the same origin."""
    parts = urlsplit(feed_url)
    return f"{parts.scheme}://{parts.netloc}{WELL_KNOWN}"


def _on_domain(email: str, feed_url: str) -> bool:
    """Whether ``email``'s domain is the feed's host or a domain above it (oai.uni.eu → uni.eu)."""
    domain = email.rsplit("@", 1)[-1].lower().rstrip(".")
    host = (urlsplit(feed_url).hostname or "").lower().rstrip(".")
    return bool(domain) and domain.count(".") >= 1 and (host == domain or host.endswith("." + domain))


def mail_candidates(source: Source, report: dict[str, Any] | None) -> list[str]:
    """The addresses a confirmation link may go to: the repository's ``adminEmail`` (OAI-PMH Identify), and the
    contact address when its domain is the feed's."""
    found: list[str] = []
    admin = (report or {}).get("admin_email")
    if isinstance(admin, str) and "@" in admin:
        found.append(admin.strip())
    if source.contact_email and _on_domain(source.contact_email, source.url) and source.contact_email not in found:
        found.append(source.contact_email)
    return found


def confirm_url(settings: Settings, source_id: str, mail_token: str) -> str:
    """The link a confirmation mail carries."""
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}/sources/{quote(source_id)}/confirm?token={quote(mail_token)}"


def start(store: Store, settings: Settings, source: Source, report: dict[str, Any] | None) -> dict[str, Any]:
    """Give ``source`` its tokens and mail the confirmation link to the addresses the feed vouches for (when an
    SMTP server is configured); returns how its owner can prove ownership. A mail that cannot be sent is
    reported in the answer (``mail_errors``), not raised: the other ways remain."""
    proof = lifecycle.start_verification(store, source.id)
    sent: list[str] = []
    errors: list[str] = []
    candidates = mail_candidates(source, report)
    if mail.enabled(settings):
        link = confirm_url(settings, source.id, proof.mail_token)
        for address in candidates:
            try:
                mail.send(
                    settings,
                    address,
                    f"Confirm the registration of {source.name or source.url} in microcred",
                    f"Someone registered the feed\n\n  {source.url}\n\nin the microcred catalogue of "
                    f"micro-credentials, giving {source.contact_email} as its contact.\n\nIf that is right, "
                    f"confirm it here:\n\n  {link}\n\nIf it is not, ignore this mail: nothing is harvested "
                    "without a proof of ownership or an operator's approval.\n",
                )
            except mail.MailError as exc:
                logger.warning("%s: %s", source.id, exc)
                errors.append(str(exc))
                continue
            lifecycle.note_mailed(store, source.id, address)
            sent.append(address)
    return {
        "token": proof.token,
        "well_known_url": well_known_url(source.url),
        "mailed_to": sent,
        "mail_errors": errors,
        "how": (
            f"Publish the token as the body of {well_known_url(source.url)} and ask us to check it, or follow "
            "the link we mailed to an address the feed names; an operator may also confirm ownership."
        ),
    }


def check_well_known(store: Store, settings: Settings, source_id: str, *, actor: str = "well-known check") -> bool:
    """Fetch the source's well-known file and, when it holds the token, make the source ``verified``.

    Returns True when ownership was proved by this check.

    Raises:
        HarvestError: the file could not be fetched (blocked address, unreachable host, HTTP error).
    """
    source = store.sources.get(source_id)
    proof = lifecycle.verification(store, source_id) or lifecycle.start_verification(store, source_id)
    feed = FeedClient(settings)
    try:
        response = feed.get(well_known_url(source.url))
    except FeedError as exc:
        raise HarvestError(f"{well_known_url(source.url)} could not be read: {exc}") from exc
    finally:
        feed.close()
    published = response.content.decode("utf-8", "replace").split()
    if proof.token not in published:
        logger.info("%s: well-known file does not hold the token", source_id)
        return False
    lifecycle.confirm_verification(store, source_id, proof.token, method="well-known", actor=actor)
    return True
