"""Crosswalks: pure functions turning one source record into an :class:`~offerings.model.Offering`.

Each format has one module exposing ``to_offering(record, context) -> Offering``; it raises
:class:`~offerings.errors.CrosswalkError` (never anything else) when the record cannot be
normalised. ``CROSSWALKS`` maps a format name (an OAI ``metadataPrefix`` or a detected type)
to its function, and ``NAMESPACES`` maps the XML namespace a format is recognised by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from offerings.model import Offering

__all__ = ["CROSSWALKS", "NAMESPACES", "SourceContext", "SourceRecord", "crosswalk_for"]


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


CROSSWALKS: dict[str, Crosswalk] = {"oai_dc": _oai_dc}
NAMESPACES: dict[str, str] = {"http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc"}


def crosswalk_for(format_name: str) -> Crosswalk:
    """The crosswalk of ``format_name``.

    Raises:
        KeyError: no crosswalk reads that format.
    """
    return CROSSWALKS[format_name]
