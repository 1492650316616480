"""Crosswalks: pure functions turning one source record into an :class:`~offerings.model.Offering`.

Each format has one module exposing ``to_offering(record, context) -> Offering``; it raises
:class:`~offerings.errors.CrosswalkError` (never anything else) when the record cannot be
normalised. ``CROSSWALKS`` maps a format name (an OAI ``metadataPrefix`` or a detected type)
to its function, and ``NAMESPACES`` maps the XML namespace a format is recognised by. Every
function in ``CROSSWALKS`` also applies the error rules of metadata-standard.md §4.1, so a record
that breaks one is refused with a ``CrosswalkError`` naming the rule. Modules are imported on
first use: a harvester that reads oai_dc never loads the ELM or CTDL code.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from offerings.model import Offering

__all__ = ["CROSSWALKS", "NAMESPACES", "SourceContext", "SourceRecord", "crosswalk_for"]

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


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceContext:
    """What a crosswalk may know about the source besides the record."""

    source_id: str
    name: str | None = None
    country: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


Crosswalk = Callable[[SourceRecord, SourceContext], Offering]


def _oai_dc(record: SourceRecord, context: SourceContext) -> Offering:
    from offerings.crosswalks import oai_dc

    return oai_dc.to_offering(record, context)


def _schema_org(record: SourceRecord, context: SourceContext) -> Offering:
    from offerings.crosswalks import schema_org

    return schema_org.to_offering(record, context)


CROSSWALKS: dict[str, Crosswalk] = {"oai_dc": _oai_dc, "schema_org": _schema_org}
NAMESPACES: dict[str, str] = {"http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc"}


# ---- the formats of metadata-standard.md §3, imported on first use, and the §4.1 error rules ------------
_MODULES = {
    "elm_loq": "offerings.crosswalks.elm_loq",
    "elm_jsonld": "offerings.crosswalks.elm_jsonld",
    "xcri_cap": "offerings.crosswalks.xcri_cap",
    "ewp_courses": "offerings.crosswalks.ewp_courses",
    "ctdl": "offerings.crosswalks.ctdl",
    "microhe": "offerings.crosswalks.microhe",
    # Custom course APIs of European universities (samples/institution-apis), read as documents.
    "uc_coimbra": "offerings.crosswalks.ec2u:to_offering_coimbra",
    "usal_salamanca": "offerings.crosswalks.ec2u:to_offering_salamanca",
    "jku_linz": "offerings.crosswalks.ec2u:to_offering_linz",
}
NAMESPACES.update(
    {
        "http://data.europa.eu/snb/model/ap/loq-constraints/": "elm_loq",
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


class _Validated:
    """A crosswalk followed by the §4.1 error rules; any data error becomes a ``CrosswalkError``."""

    def __init__(self, name: str, crosswalk: Crosswalk) -> None:
        self.name = name
        self.crosswalk = crosswalk
        self.__name__ = f"{name}_crosswalk"

    def __call__(self, record: SourceRecord, context: SourceContext) -> Offering:
        from offerings.errors import CrosswalkError
        from offerings.quality.validation import reject_invalid

        try:
            offering = self.crosswalk(record, context)
        except CrosswalkError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            # A malformed record must come back as a rejection with a reason, never as a crash.
            logger.debug("%s crosswalk failed on %s", self.name, record.identifier, exc_info=True)
            raise CrosswalkError(f"malformed record: {type(exc).__name__}: {exc}") from exc
        return reject_invalid(offering)


for _name, _target in _MODULES.items():
    if importlib.util.find_spec(_target.partition(":")[0]) is not None:
        CROSSWALKS.setdefault(_name, _Lazy(_target))
for _name, _crosswalk in list(CROSSWALKS.items()):
    CROSSWALKS[_name] = _Validated(_name, _crosswalk)


def crosswalk_for(format_name: str) -> Crosswalk:
    """The crosswalk of ``format_name``.

    Raises:
        KeyError: no crosswalk reads that format.
    """
    return CROSSWALKS[format_name]
