"""Registering a source: the checks, the probe and the preview an HEI sees, shared by the API, the form and the CLI.

:func:`check` runs the probe on a registration (the "check my feed" mode): what kind of source the URL is, the
formats it offers and its first offerings normalised as the harvest would store them, each with its completeness
score and the problems found. :func:`register` does the same and stores the source, ``pending`` on the public
path (the API and ``/register``) or ``active`` on the operator's (``microcred sources add``); its first lifecycle
transition is recorded with who asked. A URL already registered (compared after :func:`normalise_url`) is refused
with the existing source's id. Bad input raises :class:`InvalidRegistration` naming the field; a feed that cannot
be used raises :class:`~offerings.errors.HarvestError` with a reason an HEI can act on.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from config import Settings
from harvesters.http import FeedClient
from harvesters.oai.client import OaiClient
from harvesters.probe import probe
from harvesters.runner import parse_interval
from offerings import vocab
from offerings.crosswalks import CROSSWALKS, SourceContext
from offerings.errors import BlockedFeedError, CatalogueError, CrosswalkError, FeedError, HarvestError
from offerings.quality import assess
from offerings.store import Source, Store, lifecycle

__all__ = [
    "KINDS",
    "PREVIEW_SIZE",
    "AlreadyRegistered",
    "InvalidRegistration",
    "Registration",
    "add",
    "check",
    "check_webhook",
    "new_webhook_secret",
    "normalise_url",
    "register",
    "slug_for",
]

logger = logging.getLogger(__name__)

KINDS = ("auto", "oai", "web", "feed")
PREVIEW_SIZE = 5
_EMAIL = re.compile(
    r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*$")  # OAI-PMH setSpec syntax
_MAX_URL = 2000


class InvalidRegistration(CatalogueError, ValueError):
    """A registration field is missing or malformed: ``field`` names it, the message says what is wrong.

    ``code`` names the kind of problem and ``values`` what the message quotes, so that a UI can say it in
    its user's language (search_ui/registration.py); the message itself is English, as the API gives it.
    """

    def __init__(self, field: str, message: str, *, code: str = "", **values: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.values = values


class AlreadyRegistered(CatalogueError):
    """The endpoint is registered already, as source ``existing``."""

    def __init__(self, existing: Source) -> None:
        super().__init__(f"{existing.url} is registered already, as source {existing.id!r} ({existing.status})")
        self.existing = existing


@dataclass(slots=True, kw_only=True)
class Registration:
    """What an HEI (or the operator) asks to register."""

    url: str
    contact_email: str | None = None
    kind: str = "auto"
    name: str | None = None
    country: str | None = None
    sets: list[str] = field(default_factory=list)
    every: str | None = None
    # Where the source's alerts are POSTed besides the contact's mail (signed with a secret of its own).
    webhook_url: str | None = None

    def validated(self, *, contact_required: bool) -> Registration:
        """A copy with the URL normalised and the country as its ISO code.

        Raises:
            InvalidRegistration: a field is missing or malformed (the first one found).
        """
        url = normalise_url(self.url)
        email = (self.contact_email or "").strip() or None
        if email is None and contact_required:
            raise InvalidRegistration("contact_email", "a contact e-mail address is required", code="required")
        if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
            raise InvalidRegistration("contact_email", f"{email!r} is not an e-mail address", code="email", value=email)
        if self.kind not in KINDS:
            raise InvalidRegistration(
                "kind", f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}", code="kind", value=self.kind
            )
        country = (self.country or "").strip() or None
        if country is not None:
            # A name or a three-letter code is taken ("Netherlands" → NL); the store keeps two letters.
            code = vocab.country_code(country)
            if code is None:
                raise InvalidRegistration(
                    "country",
                    f"country {country!r} is not an ISO 3166-1 country code or name",
                    code="country",
                    value=country,
                )
            country = code
        sets = [s.strip() for s in self.sets if s and s.strip()]
        for spec in sets:
            if len(spec) > 200 or not _SET_SPEC.match(spec):
                raise InvalidRegistration("sets", f"{spec!r} is not an OAI-PMH setSpec", code="set", value=spec)
        name = (self.name or "").strip() or None
        if name is not None and len(name) > 200:
            raise InvalidRegistration("name", "the name is longer than 200 characters", code="too_long", max="200")
        if self.every is not None:
            try:
                parse_interval(self.every)
            except (CatalogueError, ValueError) as exc:
                raise InvalidRegistration("every", str(exc), code="every", detail=str(exc)) from exc
        webhook = (self.webhook_url or "").strip() or None
        if webhook is not None:
            # Checked as a feed URL is, but kept as written: a receiver may care about its trailing slash.
            normalise_url(webhook, field="webhook_url")
        return Registration(
            url=url,
            contact_email=email,
            kind=self.kind,
            name=name,
            country=country,
            sets=sets,
            every=self.every,
            webhook_url=webhook,
        )


def normalise_url(url: str, *, field: str = "url") -> str:
    """``url`` in the form registrations are compared by: scheme and host in lower case, no default port, no
    fragment, no trailing slash, query parameters sorted.

    Raises:
        InvalidRegistration: not an http(s) URL with a host, or carrying credentials (naming ``field``).
    """
    text = (url or "").strip()
    if not text:
        raise InvalidRegistration(field, "a feed URL is required", code="required")
    if len(text) > _MAX_URL:
        raise InvalidRegistration(
            field, f"the URL is longer than {_MAX_URL} characters", code="too_long", max=str(_MAX_URL)
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidRegistration(field, f"{text!r} is not a URL: {exc}", code="not_url", value=text) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidRegistration(field, f"{text!r} is not an http or https URL", code="scheme", value=text)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise InvalidRegistration(field, f"{text!r} names no host", code="no_host", value=text)
    if parts.username or parts.password:
        raise InvalidRegistration(field, "the URL must not carry a user name or password", code="credentials")
    if any(c.isspace() for c in text):
        raise InvalidRegistration(field, f"{text!r} contains spaces", code="spaces", value=text)
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, netloc, path, query, ""))


def slug_for(url: str, name: str | None, taken: set[str]) -> str:
    """A new source id from its name or URL host ("tu-delft", "oai-example-org-2")."""
    # "Uni X: micro-credential offerings" → "uni-x": the part before a separator names the institution.
    base = re.split(r"\s*[:|–—]\s*", name)[0] if name else (urlsplit(url).hostname or "source")
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:60] or "source"
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def existing_source(store: Store, url: str) -> Source | None:
    """The source registered at ``url`` (compared normalised), if any; removed sources do not count."""
    wanted = normalise_url(url)
    for source in store.sources.all():
        if source.status == "removed" or not source.url:
            continue
        try:
            if normalise_url(source.url) == wanted:
                return source
        except InvalidRegistration:
            continue
    return None


def check(registration: Registration, settings: Settings, *, contact_required: bool = True) -> dict[str, Any]:
    """Probe and preview ``registration`` without storing anything ("check my feed").

    Returns the probe report with a ``preview``: the first offerings normalised, each with its title,
    provider, completeness score and tier, what it lacks and the problems found.

    Raises:
        InvalidRegistration: bad input.
        HarvestError: the feed is blocked, unreachable, or holds nothing microcred reads.
    """
    wanted = registration.validated(contact_required=contact_required)
    return _probe_with_preview(wanted, settings)


def register(
    store: Store,
    settings: Settings,
    registration: Registration,
    *,
    status: str = "pending",
    actor: str | None = None,
) -> tuple[Source, dict[str, Any]]:
    """Probe ``registration`` and store it as a source in ``status``; returns the source and the probe report
    with its preview.

    ``pending`` is the public path (the contact e-mail is required); ``active`` the operator's.

    Raises:
        InvalidRegistration: bad input.
        AlreadyRegistered: the endpoint is registered already (checked before the probe, and again after).
        HarvestError: the feed cannot be used.
    """
    wanted = registration.validated(contact_required=status == "pending")
    found = existing_source(store, wanted.url)
    if found is not None:
        raise AlreadyRegistered(found)
    if wanted.webhook_url:
        check_webhook(wanted.webhook_url, settings)
    report = _probe_with_preview(wanted, settings)
    return add(store, settings, registration, status=status, actor=actor, report=report), report


def add(
    store: Store,
    settings: Settings,
    registration: Registration,
    *,
    status: str = "active",
    actor: str | None = None,
    report: dict[str, Any] | None = None,
    source_id: str | None = None,
) -> Source:
    """Store ``registration`` as a source without probing it (the caller probed it, or vouches for it, as the
    demo does for its own feeds), and record its first transition.

    Raises:
        InvalidRegistration: bad input.
        AlreadyRegistered: the endpoint is registered already.
    """
    wanted = registration.validated(contact_required=status == "pending")
    found = existing_source(store, wanted.url)
    if found is not None:
        raise AlreadyRegistered(found)
    report = report or {}
    name = wanted.name or report.get("repository_name")
    taken = {s.id for s in store.sources.all()}
    source = Source(
        id=source_id or slug_for(wanted.url, name, taken),
        url=registration.url.strip(),
        kind=report.get("kind") or (wanted.kind if wanted.kind != "auto" else "oai"),
        name=name,
        sets=wanted.sets,
        status=status,
        every_seconds=parse_interval(wanted.every or settings.harvest.every),
        country=wanted.country,
        contact_email=wanted.contact_email,
        probe=report or None,
        webhook_url=wanted.webhook_url,
        webhook_secret=new_webhook_secret() if wanted.webhook_url else None,
    )
    stored = store.sources.add(source)
    who = actor or (f"registration by {wanted.contact_email}" if status == "pending" else "operator")
    why = "registered through the public form or API" if status == "pending" else "added by the operator"
    lifecycle.record(store, stored.id, None, status, actor=who, reason=why)
    return stored


def new_webhook_secret() -> str:
    """A fresh key for signing a source's webhook bodies (shown to the registrant once, at registration)."""
    return secrets.token_urlsafe(32)


def check_webhook(url: str, settings: Settings) -> str:
    """``url`` (stripped), if the harvest's address policy lets alerts be POSTed there.

    Raises:
        InvalidRegistration: not an http(s) URL, or one the policy refuses (a private address, a port not allowed).
    """
    normalise_url(url, field="webhook_url")
    normal = url.strip()
    client = FeedClient(settings)
    try:
        client.check_url(normal)
    except BlockedFeedError as exc:
        raise InvalidRegistration(
            "webhook_url", f"alerts cannot be sent there: {exc}", code="blocked", detail=str(exc)
        ) from exc
    finally:
        client.close()
    return normal


def _probe_with_preview(registration: Registration, settings: Settings) -> dict[str, Any]:
    report = probe(registration.url, settings, kind=registration.kind)
    if report.get("kind") == "oai":
        report["preview"] = oai_preview(registration.url, report, settings, sets=registration.sets)
    else:
        report["preview"] = [_plain_preview(item) for item in report.get("preview") or []]
    if not report.get("readable_formats"):
        offered = ", ".join(report.get("formats") or [])
        raise HarvestError(
            f"{registration.url} offers nothing microcred can read (formats offered: {offered or 'none'})",
            code="nothing_readable" if offered else "no_formats",
            url=registration.url,
            formats=offered,
        )
    return report


def _plain_preview(item: dict[str, Any]) -> dict[str, Any]:
    """A feed or web preview entry as the OAI one is shaped (no completeness known without the whole record)."""
    return {
        "identifier": item.get("identifier") or item.get("url"),
        "title": item.get("title"),
        "provider": item.get("provider"),
        "url": item.get("url"),
        "problems": [item["problem"]] if item.get("problem") else [],
    }


def oai_preview(url: str, report: dict[str, Any], settings: Settings, *, sets: list[str]) -> list[dict[str, Any]]:
    """The first records of an OAI-PMH feed normalised in the richest readable format, with their quality.

    A failed ListRecords is a preview entry saying so, not a failed probe: Identify answered.
    """
    readable = [p for p in settings.harvest.metadata_prefixes if p in report.get("readable_formats", [])]
    prefix = (readable or report.get("readable_formats") or ["oai_dc"])[0]
    crosswalk = CROSSWALKS.get(prefix)
    if crosswalk is None:
        return []
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    if sets:
        params["set"] = sets[0]
    feed = FeedClient(settings)
    try:
        page = OaiClient(url, feed).harvest(**params)
    except FeedError as exc:
        return [{"identifier": None, "title": None, "problems": [f"ListRecords failed: {exc}"]}]
    finally:
        feed.close()
    from harvesters.base import HarvestReport
    from harvesters.oai.harvester import _source_record  # the harvest's own reading of a record

    context = SourceContext(source_id="preview")
    reading = HarvestReport(source_id="preview")
    out: list[dict[str, Any]] = []
    for element in page.items:
        if len(out) >= PREVIEW_SIZE:
            break
        record = _source_record(element, reading)
        if record is None or record.deleted:
            continue
        try:
            normalised = crosswalk.normalise(record, context)
        except CrosswalkError as exc:
            out.append({"identifier": record.identifier, "title": None, "problems": [str(exc)]})
            continue
        except Exception as exc:  # a crosswalk bug: the preview says so instead of failing the registration
            logger.exception("preview: crosswalk failed on %s", record.identifier)
            out.append({"identifier": record.identifier, "title": None, "problems": [f"internal error: {exc!r}"]})
            continue
        offering = normalised.offering
        quality = assess(offering, issues=normalised.issues)
        provider = offering.provider[0] if offering.provider else None
        out.append(
            {
                "identifier": record.identifier,
                "format": prefix,
                "title": offering.main_title,
                "provider": next(iter(provider.name.values()), None) if provider else None,
                "url": offering.record_url,
                "ects_credits": offering.ects_credits,
                "completeness": quality.score,
                "tier": quality.tier,
                "missing": quality.missing,
                "problems": [str(issue) for issue in normalised.issues],
            }
        )
    return out
