"""Crosswalks: pure functions turning one source record into an :class:`~offerings.model.Offering`.

Each format has one module exposing ``to_offering(record, context) -> Offering``; it raises
:class:`~offerings.errors.CrosswalkError` when the record cannot be normalised (anything else it
raises is a bug, and the harvester counts the record as failed, not skipped). ``CROSSWALKS`` maps a
format name (an OAI ``metadataPrefix`` or a detected type) to its :class:`Crosswalk`, which adds the
error rules of the validation (``docs/normalisation.md``): :meth:`Crosswalk.normalise` gives the
offering with every issue found, ready for the store. ``NAMESPACES`` maps the XML namespace a format
is recognised by; :mod:`offerings.crosswalks.catalogue` splits whole catalogue files into records.
Modules are imported on first use: a harvester that reads oai_dc never loads the ELM or CTDL code.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from offerings.model import Offering

if TYPE_CHECKING:
    from offerings.normalise import Normalised
    from offerings.quality.validation import Issue

__all__ = ["CROSSWALKS", "NAMESPACES", "Crosswalk", "SourceContext", "SourceRecord", "crosswalk_for"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRecord:
    """One record as a harvester received it."""

    identifier: str
    payload: bytes = b""
    datestamp: str | None = None
    deleted: bool = False
    set_specs: tuple[str, ...] = ()
    url: str | None = None
    # The payload already parsed (an lxml element), when the harvester had to parse it to find it: an
    # OAI-PMH page is parsed once, and its records' XML is not parsed again from ``payload``.
    tree: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceContext:
    """What a crosswalk may know about the source besides the record."""

    source_id: str
    name: str | None = None
    country: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


# A format module's ``to_offering``: the record as an offering, before the validation rules.
Convert = Callable[[SourceRecord, SourceContext], Offering]


def _oai_dc(record: SourceRecord, context: SourceContext) -> Offering:
    from offerings.crosswalks import oai_dc

    return oai_dc.to_offering(record, context)


def _schema_org(record: SourceRecord, context: SourceContext) -> Offering:
    from offerings.crosswalks import schema_org

    return schema_org.to_offering(record, context)


_CONVERTERS: dict[str, Convert] = {"oai_dc": _oai_dc, "schema_org": _schema_org}
NAMESPACES: dict[str, str] = {"http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc"}


# ---- the formats of docs/normalisation.md §3, imported on first use, and the §4.1 error rules ------------
_MODULES = {
    "elm_loq": "offerings.crosswalks.elm_loq",
    "elm_jsonld": "offerings.crosswalks.elm_jsonld",
    "xcri_cap": "offerings.crosswalks.xcri_cap",
    "ewp_courses": "offerings.crosswalks.ewp_courses",
    "ctdl": "offerings.crosswalks.ctdl",
    "microhe": "offerings.crosswalks.microhe",
    # Another microcred catalogue's OAI-PMH provider, in its native format (search_ui/oai).
    "mco": "offerings.crosswalks.mco",
    # Custom course APIs of European universities (tests/data/samples/institution-apis), read as documents.
    "uc_coimbra": "offerings.crosswalks.ec2u:to_offering_coimbra",
    "usal_salamanca": "offerings.crosswalks.ec2u:to_offering_salamanca",
    "jku_linz": "offerings.crosswalks.ec2u:to_offering_linz",
}
# The formats whose records are checked against official constraints, and the module giving the node to check.
_CONFORMANCE = {"elm_loq": "offerings.crosswalks.elm_loq", "elm_jsonld": "offerings.crosswalks.elm_jsonld"}
NAMESPACES.update(
    {
        "http://data.europa.eu/snb/model/ap/loq-constraints/": "elm_loq",
        "https://microcred.eu/ns/mco/1.0/": "mco",
        "http://xcri.org/profiles/1.2/catalog": "xcri_cap",
        "https://github.com/erasmus-without-paper/ewp-specs-api-courses/tree/stable-v1": "ewp_courses",
    }
)


class _Lazy:
    """A format module's ``to_offering`` (or the function named after ``:``), imported on the first call."""

    def __init__(self, target: str) -> None:
        self.module, _, self.function = target.partition(":")

    def __call__(self, record: SourceRecord, context: SourceContext) -> Offering:
        function: Crosswalk = getattr(importlib.import_module(self.module), self.function or "to_offering")
        return function(record, context)


class Crosswalk:
    """One format's crosswalk followed by the §4.1 error rules.

    :meth:`normalise` is the harvest path: the offering with the issues the rules found. Calling the
    crosswalk gives the offering alone.
    """

    def __init__(self, name: str, convert: Convert) -> None:
        self.name = name
        self.convert = convert
        self.__name__ = f"{name}_crosswalk"

    def normalise(self, record: SourceRecord, context: SourceContext, *, conform: bool = True) -> Normalised:
        """``record`` normalised and validated (with ``conform``, also against its format's official
        constraints: :meth:`conformance`).

        Raises:
            CrosswalkError: the record cannot be normalised or breaks an error rule. Any other exception
                is a bug in the crosswalk, and is left for the harvester to count as a failed record.
        """
        from offerings.errors import CrosswalkError
        from offerings.normalise import check

        try:
            offering = self.convert(record, context)
        except CrosswalkError:
            raise
        except (ValueError, RecursionError) as exc:
            # A value the crosswalk cannot read (a date, a number) or nesting deeper than Python's stack:
            # the record's fault, so a rejection with a reason. Anything else is ours and must show as such.
            logger.debug("%s crosswalk refused %s", self.name, record.identifier, exc_info=True)
            raise CrosswalkError(f"malformed record: {type(exc).__name__}: {exc}") from exc
        normalised = check(offering, raw=record.payload or None)
        found = self.conformance(record) if conform else ()
        if not found:
            return normalised
        return dataclasses.replace(normalised, issues=(*normalised.issues, *found), conformance=found)

    def conformance(self, record: SourceRecord) -> tuple[Issue, ...]:
        """What ``record`` breaks of its format's official constraints: for ELM, the Commission's LOQ SHACL
        shapes (V25, docs/normalisation.md §4.3). Checked once per record, here at normalise time, and
        only for the formats that have such constraints: a validation costs about 70 ms of CPU."""
        target = _CONFORMANCE.get(self.name)
        if target is None or record.deleted:
            return ()
        from pyshacl.errors import ReportableRuntimeError

        from offerings.quality import shacl

        node = importlib.import_module(target).shapes_node(record)
        try:
            return tuple(shacl.issues(node))
        except (ReportableRuntimeError, ValueError, RecursionError):
            # The validator could not judge this record: that is no finding about the record.
            logger.warning("LOQ shapes could not check %s", record.identifier, exc_info=True)
            return ()

    def __call__(self, record: SourceRecord, context: SourceContext) -> Offering:
        """The offering of :meth:`normalise`, without its issues.

        Raises:
            CrosswalkError: as :meth:`normalise`.
        """
        return self.normalise(record, context, conform=False).offering


for _name, _target in _MODULES.items():
    if importlib.util.find_spec(_target.partition(":")[0]) is not None:
        _CONVERTERS.setdefault(_name, _Lazy(_target))
CROSSWALKS: dict[str, Crosswalk] = {name: Crosswalk(name, convert) for name, convert in _CONVERTERS.items()}


def crosswalk_for(format_name: str) -> Crosswalk:
    """The crosswalk of ``format_name``.

    Raises:
        KeyError: no crosswalk reads that format.
    """
    return CROSSWALKS[format_name]
