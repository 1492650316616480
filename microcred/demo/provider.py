"""An in-memory OAI-PMH data provider of micro-credential offerings, built on the ``oaipmh`` package.

``Provider`` implements the ``oaipmh`` server interface (``identify``, ``listMetadataFormats``,
``listSets``, ``listIdentifiers``, ``listRecords``, ``getRecord``); ``oaipmh.server.Server`` does the
protocol work (argument checks, resumption tokens, error envelopes), so the harvester under test
meets an independent implementation rather than our own idea of OAI-PMH (docs/harvesting.md §3).

Records are mutable at runtime (``put``, ``delete``) so tests can exercise incremental harvesting.
Each offering is disseminated as ``oai_dc`` in the shape microcred's crosswalk reads
(docs/normalisation.md §3.1): the facts that Dublin Core has no element for (ECTS, EQF level, mode,
dates, fee) are stated in a line at the end of ``dc:description``, in the offering's language,
worded so the parsers of §3.7 recover them. A record that carries its full offering (the well-described
demo institution, :mod:`microcred.demo.rich`) is disseminated in microcred's native ``mco`` format too,
so the harvester takes that richer format, as it does from any catalogue offering it.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from lxml import etree
from oaipmh import common, error, metadata, server

from microcred.demo.records import (  # re-exported: callers import them from here
    AREAS,
    COUNTRY_NAMES,
    SYNTHETIC_INSTITUTION,
    Institution,
    OfferingRecord,
    synthetic_records,
    utc_naive,
)
from offerings.crosswalks.mco import NS as MCO_NS

__all__ = [
    "AREAS",
    "COUNTRY_NAMES",
    "SYNTHETIC_INSTITUTION",
    "Institution",
    "OfferingRecord",
    "Provider",
    "synthetic_provider",
    "synthetic_records",
]

logger = logging.getLogger(__name__)

OAI_DC = ("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/")
MCO = ("mco", "https://microcred.eu/ns/mco/1.0/mco.xsd", MCO_NS)
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_EPOCH = datetime(2000, 1, 1)


def _oai_identifier(repository_identifier: str, sample: str) -> str:
    """The ``oai-identifier`` Identify description, which tells harvesters how identifiers are formed."""
    ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
    return (
        f'<oai-identifier xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{ns} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
        f"<scheme>oai</scheme><repositoryIdentifier>{escape(repository_identifier)}</repositoryIdentifier>"
        f"<delimiter>:</delimiter><sampleIdentifier>{escape(sample)}</sampleIdentifier></oai-identifier>"
    )


def _write_oai_dc(element: Any, meta: common.Metadata) -> None:
    """``oaipmh``'s oai_dc writer, plus ``xml:lang`` on title and description (the crosswalk keys text by it)."""
    server.oai_dc_writer(element, meta)
    lang = meta.getMap().get("xml_lang")
    if lang:
        for child in element[-1]:
            if child.tag.endswith(("}title", "}description")):
                child.set(_XML_LANG, lang)


def _write_mco(element: Any, meta: common.Metadata) -> None:
    """The native format: the offering's JSON in one ``mco:record`` (as search_ui.oai.formats writes it)."""
    record = etree.SubElement(element, f"{{{MCO_NS}}}record", nsmap={"mco": MCO_NS})
    record.text = meta.getMap()["mco_json"]


REGISTRY = metadata.MetadataRegistry()
REGISTRY.registerWriter("oai_dc", _write_oai_dc)
REGISTRY.registerWriter("mco", _write_mco)


class _Entry(NamedTuple):
    record: OfferingRecord
    header: common.Header
    metadata: common.Metadata | None


def _entry(record: OfferingRecord) -> _Entry:
    # Built once per change, because Resumption re-lists the whole result for every page.
    sets = [record.area] if record.area else []
    header = common.Header(None, record.identifier, record.datestamp, sets, record.deleted)
    meta = None
    if not record.deleted:
        extra = {"mco_json": record.offering.to_json().decode()} if record.offering is not None else {}
        meta = common.Metadata(None, {**record.dc_fields(), "xml_lang": record.language, **extra})
    return _Entry(record, header, meta)


class _BaseUrlView:
    """The provider as seen from one request: everything shared, only ``baseURL`` differs."""

    def __init__(self, provider: Provider, base_url: str) -> None:
        self._provider = provider
        self._base_url = base_url

    def identify(self) -> common.Identify:
        return self._provider.identify(base_url=self._base_url)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)


class Provider:
    """An OAI-PMH data provider over an in-memory, thread-safe set of offering records.

    Identify declares seconds granularity and ``persistent`` deletions; ListRecords and
    ListIdentifiers honour ``from``/``until`` (inclusive) and ``set``, in identifier order so pages
    stay stable while datestamps change; ``batch_size`` records a page. ``clock`` (UTC now by
    default) stamps runtime changes; tests may replace it.

    Tokens are ``oaipmh``'s: the query plus a cursor, never expiring. As in many real repositories, a
    record *added* mid-harvest whose identifier sorts before the cursor shifts later pages by one.
    """

    def __init__(
        self,
        institution: Institution,
        records: Iterable[OfferingRecord] = (),
        *,
        batch_size: int = 10,
        base_url: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.institution = institution
        self.batch_size = batch_size
        self.base_url = base_url or f"http://127.0.0.1/{institution.slug}/oai"
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        # What Identify declares; "no" and "transient" repositories may drop records without a trace.
        self.deleted_record_policy = "persistent"
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._ordered: list[_Entry] | None = None
        for record in records:
            self._entries[record.identifier] = _entry(replace(record, datestamp=utc_naive(record.datestamp)))

    # -- runtime changes -------------------------------------------------------------------------

    def put(self, record: OfferingRecord) -> OfferingRecord:
        """Add or replace ``record``, stamped with the current time; returns the stored record."""
        stored = replace(record, datestamp=utc_naive(self.clock()))
        with self._lock:
            self._entries[stored.identifier] = _entry(stored)
            self._ordered = None
        logger.debug("%s: put %s", self.institution.slug, stored.identifier)
        return stored

    def delete(self, identifier: str) -> OfferingRecord:
        """Mark ``identifier`` deleted (a persistent deleted header stamped now); returns the tombstone.

        Raises:
            KeyError: no record has that identifier.
        """
        with self._lock:
            stored = replace(self._entries[identifier].record, deleted=True, datestamp=utc_naive(self.clock()))
            self._entries[identifier] = _entry(stored)
            self._ordered = None
        logger.debug("%s: deleted %s", self.institution.slug, identifier)
        return stored

    def drop(self, identifier: str) -> None:
        """Remove ``identifier`` without a deleted header, as a ``deletedRecord=no`` repository does.

        Raises:
            KeyError: no record has that identifier.
        """
        with self._lock:
            del self._entries[identifier]
            self._ordered = None

    def get(self, identifier: str) -> OfferingRecord | None:
        """The record stored under ``identifier``, deleted or not, or ``None``."""
        entry = self._entries.get(identifier)
        return entry.record if entry else None

    def records(self, *, include_deleted: bool = True) -> list[OfferingRecord]:
        """A snapshot of the records, in identifier order."""
        return [e.record for e in self._snapshot() if include_deleted or not e.record.deleted]

    def __len__(self) -> int:
        return len(self._entries)

    def _snapshot(self) -> list[_Entry]:
        with self._lock:
            if self._ordered is None:
                self._ordered = sorted(self._entries.values(), key=lambda e: e.record.identifier)
            return self._ordered

    # -- the HTTP-facing entry point -------------------------------------------------------------

    def answer(self, params: Mapping[str, str | Sequence[str]], *, base_url: str | None = None) -> bytes:
        """The OAI-PMH response (UTF-8 XML) to one request's arguments, ``verb`` included.

        Values may be lists (as ``parse_qs`` gives them): a repeated argument is a ``badArgument``.
        ``base_url`` is the address the request came to, echoed in Identify and every ``<request>``.
        """
        target: Any = _BaseUrlView(self, base_url) if base_url and base_url != self.base_url else self
        oai = server.Server(target, REGISTRY, resumption_batch_size=self.batch_size)
        repeated = sorted(k for k, v in params.items() if not isinstance(v, str) and len(v) > 1)
        if repeated:
            # handleException writes the standard error envelope; it wants an exc_info triple.
            try:
                raise error.BadArgumentError(f"Repeated argument: {', '.join(repeated)}")
            except error.BadArgumentError:
                return oai.handleException({}, sys.exc_info())
        return oai.handleRequest({k: v if isinstance(v, str) else v[0] for k, v in params.items() if v != []})

    # -- the oaipmh server interface (IOAI), called by oaipmh.server -------------------------------

    def identify(self, base_url: str | None = None) -> common.Identify:
        """Repository description: seconds granularity, persistent deletions."""
        entries = self._snapshot()
        earliest = min((e.record.datestamp for e in entries), default=_EPOCH)
        inst = self.institution
        result = common.Identify(
            repositoryName=f"{inst.name}: micro-credential offerings",
            baseURL=base_url or self.base_url,
            protocolVersion="2.0",
            adminEmails=[inst.admin_email] if inst.admin_email else [],
            earliestDatestamp=earliest,
            deletedRecord=self.deleted_record_policy,
            granularity=GRANULARITY,
            compression=["identity"],
        )
        if inst.repository_identifier:
            sample = entries[0].record.identifier if entries else f"oai:{inst.repository_identifier}:1"
            result.add_description(_oai_identifier(inst.repository_identifier, sample))
        return result

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        """``oai_dc``, and ``mco`` when the records carry their full offerings; an unknown ``identifier`` is
        ``idDoesNotExist``."""
        if identifier is not None and identifier not in self._entries:
            raise error.IdDoesNotExistError(f"No record with identifier {identifier}")
        return [OAI_DC, MCO] if self._native else [OAI_DC]

    def listSets(self, **extra: Any) -> list[tuple[str, str, None]]:
        """One set per subject area in use; ``noSetHierarchy`` when no record has an area."""
        if extra:
            raise error.BadResumptionTokenError("Unexpected arguments in resumption token")
        specs = sorted({e.record.area for e in self._snapshot() if e.record.area})
        if not specs:
            raise error.NoSetHierarchyError("This repository does not support sets")
        return [(spec, AREAS.get(spec, spec), None) for spec in specs]

    def listIdentifiers(self, **kw: Any) -> list[common.Header]:
        """Headers of the records selected by ``metadataPrefix``, ``set``, ``from_`` and ``until``."""
        return [e.header for e in self._select(**kw)]

    def listRecords(self, **kw: Any) -> list[tuple[common.Header, common.Metadata | None, None]]:
        """Records selected like :meth:`listIdentifiers`."""
        return [(e.header, e.metadata, None) for e in self._select(**kw)]

    def getRecord(self, metadataPrefix: str, identifier: str) -> tuple[Any, Any, None]:
        """One record; deleted records come back as a bare deleted header."""
        self._check_prefix(metadataPrefix, native=self._native)
        entry = self._entries.get(identifier)
        if entry is None:
            raise error.IdDoesNotExistError(f"No record with identifier {identifier}")
        return entry.header, entry.metadata, None

    @property
    def _native(self) -> bool:
        # Every record or none carries its offering (one institution's feed is built one way).
        return any(e.record.offering is not None for e in self._entries.values())

    @staticmethod
    def _check_prefix(prefix: str | None, *, native: bool = False) -> None:
        if prefix != OAI_DC[0] and not (native and prefix == MCO[0]):
            raise error.CannotDisseminateFormatError(f"Unknown metadata format: {prefix}")

    def _select(
        self,
        metadataPrefix: str | None = None,
        set: str | None = None,  # the OAI-PMH argument name, passed by keyword
        from_: datetime | None = None,
        until: datetime | None = None,
        **extra: Any,
    ) -> list[_Entry]:
        # Extra keys can only come from a hand-made resumption token: oaipmh validates plain requests.
        if extra:
            raise error.BadResumptionTokenError("Unexpected arguments in resumption token")
        self._check_prefix(metadataPrefix, native=self._native)
        entries = self._snapshot()
        if set is not None and not any(e.record.area for e in entries):
            raise error.NoSetHierarchyError("This repository does not support sets")
        return [
            e
            for e in entries
            if (from_ is None or e.record.datestamp >= from_)
            and (until is None or e.record.datestamp <= until)
            and (set is None or e.record.area == set)
        ]


# -- synthetic records for benchmarks and big-feed tests ---------------------------------------------


def synthetic_provider(n: int, *, seed: int = 0, batch_size: int = 100) -> Provider:
    """A provider serving ``synthetic_records(n, seed=seed)``."""
    return Provider(SYNTHETIC_INSTITUTION, synthetic_records(n, seed=seed), batch_size=batch_size)
