"""Whole catalogue documents: detect the format of a fetched document and split it into records.

This is what the ``feed`` source kind reads (docs/operations.md "Kinds of source"): an XCRI-CAP 1.2
``catalog``, an ELM v3 LOQ XML file, an ELM JSON-LD graph, a CTDL graph, a MicroHE record, an EWP Courses API
response, or a JSON-LD list of schema.org Courses. :func:`detect` names the format (a key of
``CROSSWALKS``); :func:`split` yields one :class:`~offerings.crosswalks.SourceRecord` per offering,
identifier plus a self-contained payload the format's crosswalk reads. Pure: bytes in, records out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from offerings.crosswalks import NAMESPACES, SourceRecord, ctdl, elm_jsonld, elm_loq, ewp_courses, microhe, xcri_cap
from offerings.crosswalks.common import as_list
from offerings.errors import FeedError
from offerings.text import xml

__all__ = ["DOCUMENT_FORMATS", "Document", "detect", "parse", "split"]

logger = logging.getLogger(__name__)

DOCUMENT_FORMATS = (
    "xcri_cap",
    "elm_loq",
    "ewp_courses",
    "elm_jsonld",
    "ctdl",
    "microhe",
    "schema_org",
    "oai_dc",
    "uc_coimbra",
    "usal_salamanca",
    "jku_linz",
)
# Custom university course APIs: (format, key that identifies a record, keys every record has).
_CUSTOM_APIS = (
    ("uc_coimbra", "cursoId", {"cursoId", "designacoes"}),
    ("usal_salamanca", "code", {"code", "nameInSpanish"}),
    ("jku_linz", "courseCode", {"courseCode", "numberOfCredits", "name"}),
)
_BOM = b"\xef\xbb\xbf"
_SCHEMA_TYPES = {"Course", "CourseInstance", "EducationalOccupationalProgram"}


class Document:
    """A parsed catalogue document: its format and its parsed form (an XML root or JSON data)."""

    def __init__(self, format_name: str, data: Any) -> None:
        self.format = format_name
        self.data = data


def _strip(content: bytes) -> bytes:
    return content[len(_BOM) :].lstrip() if content.startswith(_BOM) else content.lstrip()


def parse(content: bytes) -> Document | None:
    """The document's format and parsed form, or None when it is no catalogue format we read.

    Raises:
        FeedError: the document looks like XML or JSON but is not well-formed.
    """
    body = _strip(content)
    if body.startswith(b"<"):
        if body[:200].lower().lstrip().startswith((b"<!doctype html", b"<html")):
            return None
        try:
            root = xml.parse_clean(body)
        except xml.XmlError as exc:
            raise FeedError(f"document is not well-formed XML: {exc}") from exc
        name = NAMESPACES.get(etree.QName(root).namespace or "")
        return Document(name, root) if name in DOCUMENT_FORMATS else None
    if body.startswith((b"{", b"[")):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FeedError(f"document is not well-formed JSON: {exc}") from exc
        name = _json_format(data)
        return Document(name, data) if name else None
    return None


def detect(content: bytes) -> str | None:
    """The catalogue format of ``content`` (a key of ``CROSSWALKS``), or None."""
    try:
        document = parse(content)
    except FeedError:
        return None
    return document.format if document else None


def _json_format(data: Any) -> str | None:
    contexts = " ".join(json.dumps(n.get("@context", "")) for n in as_list(data) if isinstance(n, dict))
    nodes = list(elm_jsonld._walk(data))
    if any(elm_jsonld.is_opportunity(n) for n in nodes):
        return "elm_jsonld"
    if "credreg.net" in contexts or any(str(k).startswith("ceterms:") for n in nodes[:50] for k in n):
        return "ctdl"
    if microhe.is_microhe(data):
        return "microhe"
    if any(set(elm_jsonld.types_of(n)) & _SCHEMA_TYPES for n in nodes):
        return "schema_org"
    items = [n for n in as_list(data) if isinstance(n, dict)]
    for name, _, keys in _CUSTOM_APIS:
        if items and all(keys <= set(n) and "@type" not in n for n in items):
            return name
    return None


def split(document: Document, *, url: str | None = None) -> Iterator[SourceRecord]:
    """The records of a parsed document, one per offering; ``url`` is where it was fetched (for
    schema.org's relative ``@id``s)."""
    splitter = _SPLITTERS.get(document.format)
    if splitter is not None:
        yield from splitter(document.data)
    elif document.format == "schema_org":
        yield from _schema_courses(document.data, url)
    elif document.format == "oai_dc":
        yield from _oai_dc(document.data)
    else:
        yield from _custom_api(document)


# Formats whose crosswalk module splits its own documents.
_SPLITTERS: dict[str, Callable[[Any], Iterator[SourceRecord]]] = {
    "xcri_cap": xcri_cap.split,
    "elm_loq": elm_loq.split,
    "ewp_courses": ewp_courses.split,
    "elm_jsonld": elm_jsonld.split,
    "ctdl": ctdl.split,
    "microhe": microhe.split,
}


def _custom_api(document: Document) -> Iterator[SourceRecord]:
    """The course objects of a custom university API answer (one object, or a list of them)."""
    key = next(k for name, k, _ in _CUSTOM_APIS if name == document.format)
    for item in as_list(document.data):
        if isinstance(item, dict) and item.get(key) not in (None, ""):
            payload = json.dumps(item, ensure_ascii=False).encode("utf-8")
            yield SourceRecord(identifier=str(item[key]), payload=payload)


def _schema_courses(data: Any, url: str | None) -> Iterator[SourceRecord]:
    """Each schema.org Course of a JSON-LD list, ``@graph`` or ItemList, with ``@id`` references embedded."""
    nodes = list(elm_jsonld._walk(data))
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
    seen: set[str] = set()
    for node in nodes:
        if "Course" not in elm_jsonld.types_of(node):
            continue
        embedded = _embed(node, index, frozenset())
        identifier = _schema_id(embedded, url)
        if identifier in seen:
            continue
        seen.add(identifier)
        payload = json.dumps(embedded, ensure_ascii=False).encode("utf-8")
        yield SourceRecord(identifier=identifier, payload=payload, url=url)


def _embed(value: Any, index: dict[str, dict[str, Any]], path: frozenset[str]) -> Any:
    if isinstance(value, list):
        return [_embed(v, index, path) for v in value]
    if not isinstance(value, dict):
        return value
    ident = value.get("@id")
    if isinstance(ident, str) and len(value) == 1 and ident in index and ident not in path:
        value = index[ident]
    inner = path | {ident} if isinstance(ident, str) else path
    return {k: _embed(v, index, inner) for k, v in value.items()}


def _schema_id(node: dict[str, Any], base: str | None) -> str:
    for key in ("@id", "url", "courseCode", "identifier"):
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            # Pages write "./" or "#course" as @id: relative to the document they came from.
            return urljoin(base, value.strip()) if base and key in ("@id", "url") else value.strip()
    # A Course with no identifier at all: its content is the only stable handle.
    digest = hashlib.sha1(json.dumps(node, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return f"course:{digest}"


def _oai_dc(root: etree._Element) -> Iterator[SourceRecord]:
    """A single oai_dc record served as a file: identified by its first ``dc:identifier``."""
    identifier = (root.findtext("{http://purl.org/dc/elements/1.1/}identifier") or "").strip()
    if identifier:
        yield SourceRecord(identifier=identifier, payload=etree.tostring(root, encoding="utf-8"))
