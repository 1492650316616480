"""One record on its way in: normalised by its format's crosswalk, then checked by the validation rules.

A :class:`Normalised` is what every harvester hands on: the offering, every issue the rules found in it
(so the store's quality score does not validate it again) and the raw payload the store keeps beside it.
It is built by :meth:`offerings.crosswalks.Crosswalk.normalise`, or by :func:`check` for an offering
made some other way (or changed, as the DEQAR enrichment does). Pure; see ``docs/architecture.md``
("One record's walk").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from offerings.model import Offering
from offerings.quality.validation import Issue, reject_invalid, validate

__all__ = ["Normalised", "check"]


@dataclass(frozen=True, slots=True)
class Normalised:
    """An offering that passed the error rules, with the issues found in it and its raw payload."""

    offering: Offering
    issues: tuple[Issue, ...] = ()
    raw: bytes | None = None
    # The day the rules ran on: date rules (V15 …) depend on it, so issues found on another day are stale.
    checked_on: date | None = None
    # What the source record broke of its format's official constraints (V25, the LOQ SHACL shapes for
    # ELM): found once from the payload, at normalise time, and never stale. Also part of ``issues``.
    conformance: tuple[Issue, ...] = ()

    def issues_for(self, today: date) -> list[Issue] | None:
        """The issues, when they were found on ``today``; None when they must be found again (the
        ``conformance`` issues are then still valid: :meth:`issues_on` adds them)."""
        return list(self.issues) if self.checked_on == today else None

    def issues_on(self, today: date) -> list[Issue]:
        """The issues of ``today``: those found then, else the rules run again plus ``conformance``."""
        found = self.issues_for(today)
        return found if found is not None else [*validate(self.offering, today=today), *self.conformance]


def check(
    offering: Offering,
    *,
    raw: bytes | None = None,
    today: date | None = None,
    conformance: Sequence[Issue] = (),
) -> Normalised:
    """``offering`` validated: a :class:`Normalised` with every issue found, ``conformance`` (what the
    source record broke of its format's constraints, found by the caller) among them.

    Raises:
        CrosswalkError: the offering breaks an error rule (the first one is named).
    """
    day = today or date.today()
    found = tuple(conformance)
    return Normalised(offering, (*reject_invalid(offering, today=day), *found), raw, day, found)
