"""The six OAI-PMH 2.0 verbs over the store: records in sequence order, read a page at a time.

A list request reads one page of records after a sequence number (a keyset cursor on the store's change
sequence) and hands out a signed resumption token naming the next one, so no request loads the catalogue.
A record changed while a client pages moves to a later sequence number and so comes again, later; none is
skipped. Datestamps are the store's last-change times, in seconds; tombstones are deleted records, kept
for ever (``deletedRecord`` persistent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from lxml import etree

from offerings.errors import NotFound
from offerings.store import Store, StoredRecord
from search_ui.oai.formats import FORMATS, metadata, set_specs

__all__ = ["PAGE_SIZE", "TOKEN_LIFETIME", "OaiError", "Repository"]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PAGE_SIZE = 100
TOKEN_LIFETIME = timedelta(hours=24)
ID_PREFIX = "oai:microcred:"
# How many rows one read of ListSets' walk over the catalogue takes.
_SCAN_BATCH = 500
# Arguments of each verb: required and optional ones, and whether a resumption token may stand for them.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}


class OaiError(Exception):
    """An OAI-PMH protocol error: its code (``badArgument``, ``badVerb`` …) and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class ListState:
    """Where a list request stands: its arguments, the last sequence number sent, and its counts."""

    prefix: str
    set_spec: str | None
    start: datetime | None
    end: datetime | None
    after: int = 0
    total: int = 0
    cursor: int = 0
    # The granularity-exact from/until as the client sent them (echoed nowhere, kept for the token).
    raw_from: str | None = None
    raw_until: str | None = None


def oai_identifier(record_id: str) -> str:
    """The OAI identifier of a record."""
    return ID_PREFIX + record_id


def record_id(identifier: str) -> str:
    """The record id an OAI identifier names.

    Raises:
        OaiError: ``idDoesNotExist``, not one of ours.
    """
    if not identifier.startswith(ID_PREFIX):
        raise OaiError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository")
    return identifier[len(ID_PREFIX) :]


def parse_datestamp(value: str, name: str) -> tuple[datetime, bool]:
    """``(time, is_day)`` of a ``from``/``until`` value in either granularity (day or seconds, UTC).

    Raises:
        OaiError: ``badArgument``, the value is in neither.
    """
    for fmt, is_day in (("%Y-%m-%dT%H:%M:%SZ", False), ("%Y-%m-%d", True)):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        # strptime accepts one-digit fields; a datestamp has fixed widths.
        if len(value) == (20 if not is_day else 10):
            return parsed, is_day
    raise OaiError("badArgument", f"{name}={value!r} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")


def datestamp(moment: datetime) -> str:
    """A store time (naive UTC) as an OAI datestamp in seconds."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class Repository:
    """The data provider over one store; ``secret`` signs resumption tokens."""

    def __init__(self, store: Store, secret: str, *, name: str, admin_email: str, page_size: int = PAGE_SIZE):
        self.store = store
        self.name = name
        self.admin_email = admin_email
        self.page_size = page_size
        self.tokens = URLSafeTimedSerializer(secret, salt="microcred-oai-resumption")

    # ---- arguments ----------------------------------------------------------------------------------

    @staticmethod
    def check_arguments(args: dict[str, list[str]]) -> str:
        """The verb, once every argument was checked against it.

        Raises:
            OaiError: ``badVerb`` or ``badArgument``.
        """
        verbs = args.get("verb", [])
        if len(verbs) != 1 or verbs[0] not in VERBS:
            raise OaiError("badVerb", "verb is missing, repeated or not an OAI-PMH verb")
        verb = verbs[0]
        required, optional = VERBS[verb]
        given = {name for name in args if name != "verb"}
        for name, values in args.items():
            if len(values) > 1:
                raise OaiError("badArgument", f"{name} is repeated")
        unknown = given - required - optional
        if unknown:
            raise OaiError("badArgument", f"{verb} takes no argument {', '.join(sorted(unknown))}")
        if "resumptionToken" in given:
            if given != {"resumptionToken"}:
                raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        elif required - given:
            raise OaiError("badArgument", f"{verb} needs {', '.join(sorted(required - given))}")
        return verb

    # ---- verbs -------------------------------------------------------------------------------------

    def identify(self, base_url: str) -> etree._Element:
        """The Identify answer."""
        element = _element("Identify")
        earliest = self.store.first_change() or datetime(2000, 1, 1)
        for name, value in (
            ("repositoryName", self.name),
            ("baseURL", base_url),
            ("protocolVersion", "2.0"),
            ("adminEmail", self.admin_email),
            ("earliestDatestamp", datestamp(earliest)),
            ("deletedRecord", "persistent"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            _sub(element, name, value)
        return element

    def list_metadata_formats(self, identifier: str | None, base_url: str) -> etree._Element:
        """Both formats; every record is available in both."""
        if identifier is not None:
            self._get(identifier)
        element = _element("ListMetadataFormats")
        for fmt in FORMATS.values():
            entry = _sub(element, "metadataFormat")
            _sub(entry, "metadataPrefix", fmt.prefix)
            schema = fmt.schema if "://" in fmt.schema else f"{base_url}/{fmt.schema}"
            _sub(entry, "schema", schema)
            _sub(entry, "metadataNamespace", fmt.namespace)
        return element

    def list_sets(self, token: str | None) -> etree._Element:
        """Every provider's and country's set, found by streaming the catalogue once (memory: the sets).

        Raises:
            OaiError: ``badResumptionToken``: this list is never split, so no token is ours.
        """
        if token is not None:
            raise OaiError("badResumptionToken", "ListSets is answered in one response: no token is valid")
        names: dict[str, str] = {}
        for record in self.store.iter_changes(0, batch=_SCAN_BATCH):
            offering = record.offering
            for spec in set_specs(offering):
                if spec not in names:
                    names[spec] = _set_name(spec, offering)
        element = _element("ListSets")
        for spec in sorted(names):
            entry = _sub(element, "set")
            _sub(entry, "setSpec", spec)
            _sub(entry, "setName", names[spec])
        return element

    def get_record(self, identifier: str, prefix: str, page_url: Any) -> etree._Element:
        """One record (a header alone when it is a tombstone).

        Raises:
            OaiError: ``cannotDisseminateFormat`` or ``idDoesNotExist``.
        """
        _format(prefix)
        record = self._get(identifier)
        element = _element("GetRecord")
        element.append(_record(record, self._tombstone_specs([record]), prefix, page_url))
        return element

    def _tombstone_specs(self, page: list[StoredRecord]) -> dict[str, list[str]]:
        """The stored sets of the tombstones among ``page``: a source's delete may have emptied the record,
        and its header still names the sets it was in (see :mod:`offerings.store.sets`)."""
        deleted = [record.id for record in page if record.deleted]
        return self.store.set_specs(deleted) if deleted else {}

    def list_records(self, verb: str, args: dict[str, str], page_url: Any) -> etree._Element:
        """One page of ListRecords or ListIdentifiers, with the resumption token for the next.

        Raises:
            OaiError: ``badArgument``, ``badResumptionToken``, ``cannotDisseminateFormat`` or ``noRecordsMatch``.
        """
        state = self._load(args["resumptionToken"]) if "resumptionToken" in args else self._start(args)
        page, more = self._page(state)
        if not page and state.cursor == 0:
            raise OaiError("noRecordsMatch", "no record matches these arguments")
        element = _element(verb)
        specs = self._tombstone_specs(page)
        for record in page:
            element.append(_record(record, specs, state.prefix, page_url, header_only=verb == "ListIdentifiers"))
        cursor = state.cursor
        state.cursor += len(page)
        state.after = page[-1].seq if page else state.after
        if more or "resumptionToken" in args:
            token = _sub(element, "resumptionToken", self._dump(state) if more else None)
            token.set("completeListSize", str(max(state.total, state.cursor)))
            token.set("cursor", str(cursor))
            if more:
                token.set("expirationDate", datestamp(datetime.now(UTC).replace(tzinfo=None) + TOKEN_LIFETIME))
        return element

    # ---- list paging -------------------------------------------------------------------------------

    def _start(self, args: dict[str, str], *, count: bool = True) -> ListState:
        prefix = args["metadataPrefix"]
        _format(prefix)
        start = end = None
        start_day = end_day = None
        if "from" in args:
            start, start_day = parse_datestamp(args["from"], "from")
        if "until" in args:
            until, end_day = parse_datestamp(args["until"], "until")
            # until is inclusive: the whole day, or the whole second.
            end = until + (timedelta(days=1) if end_day else timedelta(seconds=1))
        if start_day is not None and end_day is not None and start_day != end_day:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if start is not None and end is not None and start >= end:
            raise OaiError("badArgument", "from is later than until")
        state = ListState(prefix, args.get("set"), start, end, raw_from=args.get("from"), raw_until=args.get("until"))
        if count:
            state.total = self._count(state)
        return state

    def _count(self, state: ListState) -> int:
        if state.set_spec is None:
            return self.store.count_between(start=state.start, end=state.end)
        return self.store.count_in_set(state.set_spec, start=state.start, end=state.end)

    def _page(self, state: ListState) -> tuple[list[StoredRecord], bool]:
        # One more than a page: whether there is a next one, without counting.
        limit = self.page_size + 1
        if state.set_spec is None:
            rows = self.store.changes_between(state.after, start=state.start, end=state.end, limit=limit)
        else:
            rows = self.store.changes_in_set(state.set_spec, state.after, start=state.start, end=state.end, limit=limit)
        return rows[: self.page_size], len(rows) > self.page_size

    def _dump(self, state: ListState) -> str:
        values = [state.prefix, state.set_spec, state.raw_from, state.raw_until, state.after, state.total, state.cursor]
        return str(self.tokens.dumps(values))

    def _load(self, token: str) -> ListState:
        try:
            values = self.tokens.loads(token, max_age=int(TOKEN_LIFETIME.total_seconds()))
        except SignatureExpired as exc:
            raise OaiError("badResumptionToken", "the resumption token has expired") from exc
        except BadSignature as exc:
            raise OaiError("badResumptionToken", "not a resumption token of this repository") from exc
        prefix, set_spec, raw_from, raw_until, after, total, cursor = values
        args = {"metadataPrefix": prefix, "set": set_spec, "from": raw_from, "until": raw_until}
        state = self._start({k: v for k, v in args.items() if v is not None}, count=False)
        state.after, state.total, state.cursor = after, total, cursor
        return state

    def _get(self, identifier: str) -> StoredRecord:
        try:
            return self.store.get(record_id(identifier))
        except NotFound as exc:
            raise OaiError("idDoesNotExist", f"no record {identifier!r}") from exc


def _format(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"no metadata format {prefix!r}: {', '.join(FORMATS)}")


def _set_name(spec: str, offering: Any) -> str:
    from offerings.model import pick_text

    kind, _, value = spec.partition(":")
    if kind == "country":
        return f"Offerings in {value}"
    return f"Offerings of {pick_text(offering.provider[0].name)}"


def _record(
    record: StoredRecord, stored_specs: dict[str, list[str]], prefix: str, page_url: Any, *, header_only: bool = False
) -> etree._Element:
    """A record's ``<record>`` (or ``<header>`` alone); ``stored_specs``: the sets of tombstones, by id."""
    header = _element("header")
    if record.deleted:
        header.set("status", "deleted")
    _sub(header, "identifier", oai_identifier(record.id))
    _sub(header, "datestamp", datestamp(record.updated_at))
    specs = stored_specs.get(record.id, []) if record.deleted else set_specs(record.offering)
    for spec in specs:
        _sub(header, "setSpec", spec)
    if header_only:
        return header
    element = _element("record")
    element.append(header)
    if not record.deleted:
        _sub(element, "metadata").append(metadata(record.offering, prefix, page_url(record.id)))
    return element


def _element(name: str) -> etree._Element:
    return etree.Element(f"{{{OAI_NS}}}{name}", nsmap={None: OAI_NS})


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{OAI_NS}}}{name}")
    element.text = text
    return element
