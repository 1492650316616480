"""An OAI-PMH client on top of sickle, hardened: strict parsing once per page, errors read before status.

sickle 0.7 as shipped parses with ``recover=True`` (silent data loss), has no timeout, no byte cap,
reads OAI errors only after ``raise_for_status()`` (so InvenioRDM's 422 ``noRecordsMatch`` looks
like a failure) and loops forever on a repeated token (docs/harvesting.md §1). :class:`OaiClient`
keeps sickle's endpoint handling and header model but sends every request through
:class:`harvesters.http.FeedClient`, parses each page strictly once, strips XML-illegal characters
when it must, and salvages the good records of a page whose XML is broken in one record.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from lxml import etree
from sickle import Sickle

from harvesters.http import FeedClient
from offerings.errors import FeedError
from offerings.text import xml

__all__ = ["OAI", "OaiClient", "OaiError", "OaiPage", "read_page"]

logger = logging.getLogger(__name__)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ROOT_OPEN = re.compile(rb"<(?:\w+:)?OAI-PMH\b[^>]*>", re.S)
_RECORD = re.compile(rb"<record\b.*?</record>", re.S)
_HEADER = re.compile(rb"<header\b.*?</header>", re.S)
_IDENTIFIER = re.compile(rb"<identifier>\s*(.*?)\s*</identifier>", re.S)
_TOKEN = re.compile(rb"<resumptionToken\b([^>]*?)(?:/>|>(.*?)</resumptionToken>)", re.S)
_SIZE = re.compile(rb'completeListSize="(\d+)"')
_RESPONSE_DATE = re.compile(rb"<responseDate>\s*(.*?)\s*</responseDate>", re.S)
_CLOSED = re.compile(rb"</(?:\w+:)?OAI-PMH>\s*$")


class OaiError(FeedError):
    """The repository answered with an OAI-PMH error (``code`` is the protocol's error code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}")
        self.code = code


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH response: its items (``record`` or ``header`` elements) and flow control."""

    items: list[etree._Element]
    response_date: str | None
    token: str | None
    complete_list_size: int | None
    invalid_chars: int = 0
    broken: list[tuple[str, str]] = field(default_factory=list)  # (identifier, why) of unparseable records
    root: etree._Element | None = None
    # The body as received: what a worker process reads the items from again (elements do not pickle).
    content: bytes = b""


class OaiClient(Sickle):  # type: ignore[misc]  # sickle ships no types: its Sickle is Any here
    """A sickle endpoint whose requests go through :class:`FeedClient` and parse strictly once."""

    def __init__(self, endpoint: str, feed: FeedClient, *, parse_retries: int = 2) -> None:
        super().__init__(endpoint)
        self.feed = feed
        self.parse_retries = parse_retries

    def harvest(self, **kwargs: str) -> OaiPage:
        """One OAI-PMH request, retried when the body is truncated (a dropped connection looks like that).

        Raises:
            OaiError: the body carries an OAI-PMH ``<error>`` (whatever the HTTP status, e.g. 422).
            FeedError: HTTP failure, not XML, truncated, or not an OAI-PMH document.
        """
        for attempt in range(self.parse_retries + 1):
            response = self.feed.get(self.endpoint, params=kwargs, accept_statuses=frozenset({400, 404, 422}))
            try:
                return self._page(response.content, response.status)
            except _Truncated as exc:
                if attempt == self.parse_retries:
                    raise FeedError(f"{self.endpoint}: response truncated ({exc}) on {attempt + 1} attempts") from None
                logger.warning("%s: truncated response, asking again", self.endpoint)
        raise AssertionError("unreachable")

    def _page(self, content: bytes, status: int) -> OaiPage:
        return read_page(content, status, self.endpoint)

    def identify(self) -> tuple[dict[str, str], str | None]:
        """Identify as a dict of its simple fields, and the response date."""
        page = self.harvest(verb="Identify")
        element = page.root.find(f"{OAI}Identify") if page.root is not None else None
        if element is None:
            raise FeedError(f"{self.endpoint}: Identify answer has no <Identify>")
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in element if len(child) == 0}
        return fields, page.response_date

    def metadata_formats(self) -> dict[str, str]:
        """``{metadataPrefix: metadataNamespace}`` the repository offers."""
        page = self.harvest(verb="ListMetadataFormats")
        if page.root is None:
            return {}
        return {
            (fmt.findtext(f"{OAI}metadataPrefix") or "").strip(): (
                fmt.findtext(f"{OAI}metadataNamespace") or ""
            ).strip()
            for fmt in page.root.iter(f"{OAI}metadataFormat")
        }


def read_page(content: bytes, status: int, endpoint: str) -> OaiPage:
    """One OAI-PMH response body as a page (``endpoint`` names the repository in errors). Pure, so that a
    worker process reading a page's records again finds exactly the items the harvester found.

    Raises:
        OaiError: the body carries an OAI-PMH ``<error>``.
        FeedError: HTTP failure, not XML, or not an OAI-PMH document.
        _Truncated: the body ends before its root element closes (the client asks again).
    """
    root, stripped = _parse(content, status, endpoint)
    if root is None:
        return _salvage(content, stripped, endpoint)
    error = root.find(f"{OAI}error")
    if error is not None:
        raise OaiError(error.get("code", "unknown"), " ".join((error.text or "").split()))
    if status >= 400:
        raise FeedError(f"{endpoint}: HTTP {status}")
    token_el = root.find(f".//{OAI}resumptionToken")
    token = (token_el.text or "").strip() if token_el is not None else ""
    size = token_el.get("completeListSize") if token_el is not None else None
    verb = next((child for child in root if child.tag not in (f"{OAI}responseDate", f"{OAI}request")), None)
    items = [child for child in verb if child.tag in (f"{OAI}record", f"{OAI}header")] if verb is not None else []
    return OaiPage(
        items=items,
        response_date=(root.findtext(f"{OAI}responseDate") or "").strip() or None,
        token=token or None,
        complete_list_size=int(size) if size and size.isdigit() else None,
        invalid_chars=stripped,
        root=root,
        content=content,
    )


class _Truncated(Exception):
    """The document ends before its root element closes."""


def _parse(content: bytes, status: int, endpoint: str) -> tuple[etree._Element | None, int]:
    """Strict parse; on failure strip XML-illegal characters and retry. ``None`` when still broken
    but worth salvaging record by record (an OAI-PMH document with a closing root tag)."""
    try:
        root = xml.parse(content)
        stripped = 0
    except xml.XmlError as first:
        cleaned, stripped = xml.strip_invalid_chars(content)
        try:
            if not stripped:
                raise first
            root = xml.parse(cleaned)
        except xml.XmlError as exc:
            if status >= 400:
                raise FeedError(f"{endpoint}: HTTP {status}") from exc
            if "DOCTYPE" in str(exc):
                raise FeedError(f"{endpoint}: not an OAI-PMH response ({exc})") from exc
            if not _ROOT_OPEN.search(content[:2048]):
                raise FeedError(f"{endpoint}: not an OAI-PMH response (not well-formed XML: {exc})") from exc
            if not _CLOSED.search(content[-256:]):
                raise _Truncated(str(exc)) from exc
            logger.warning("%s: page is not well-formed (%s); salvaging record by record", endpoint, exc)
            return None, stripped
    if root.tag != f"{OAI}OAI-PMH":
        raise FeedError(f"{endpoint}: not an OAI-PMH response (root element {etree.QName(root).localname!r})")
    return root, stripped


def _salvage(content: bytes, stripped: int, endpoint: str) -> OaiPage:
    """Keep every record of a broken page that parses on its own; report the others."""
    cleaned, _ = xml.strip_invalid_chars(content)
    opening = _ROOT_OPEN.search(cleaned)
    wrapper_open = opening.group(0) if opening else b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    wrapper_close = b"</" + wrapper_open[1:].split(None, 1)[0].rstrip(b">") + b">"
    items: list[etree._Element] = []
    broken: list[tuple[str, str]] = []
    for match in _RECORD.finditer(cleaned):
        block = match.group(0)
        try:
            wrapped = xml.parse(wrapper_open + block + wrapper_close)
            items.append(wrapped[0])
        except xml.XmlError as exc:
            identifier = _IDENTIFIER.search(block)
            broken.append((identifier.group(1).decode("utf-8", "replace") if identifier else "(unknown)", str(exc)))
    token_match = _TOKEN.search(cleaned)
    token = (token_match.group(2) or b"").strip().decode("utf-8", "replace") if token_match else ""
    size = _SIZE.search(token_match.group(1)) if token_match else None
    date = _RESPONSE_DATE.search(cleaned)
    if not items and not broken and not token:
        raise FeedError(f"{endpoint}: response is not well-formed XML and holds no records")
    return OaiPage(
        items=items,
        response_date=date.group(1).decode() if date else None,
        token=token.replace("&amp;", "&") or None,
        complete_list_size=int(size.group(1)) if size else None,
        invalid_chars=stripped,
        broken=broken,
        content=content,
    )
