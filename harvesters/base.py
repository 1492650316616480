"""The harvester seam: a Harvester pulls one Source into the Store and reports what it did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from offerings.store import RunCounts, Source, Store

if TYPE_CHECKING:
    from harvesters.enrichment import Enrichment

__all__ = ["HarvestReport", "Harvester", "Problem"]


@dataclass(slots=True, frozen=True)
class Problem:
    """One record-level problem, shown to the HEI on the source's status page."""

    identifier: str
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(slots=True)
class HarvestReport:
    """The outcome of one harvest run of one source."""

    source_id: str
    status: str = "success"  # success, partial, failed
    full: bool = False
    counts: RunCounts = field(default_factory=RunCounts)
    pages: int = 0
    wait_seconds: float = 0.0
    from_date: str | None = None
    until_date: str | None = None
    response_date: str | None = None
    error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Mean completeness of the source's live offerings after the run (set by harvesters.runner).
    completeness: float | None = None
    # Records the source says the run will see (OAI-PMH completeListSize; a catalogue's record count), if known.
    expected: int | None = None
    # Called as records and pages arrive (the CLI's progress bar); never part of the stored run.
    on_progress: Callable[[HarvestReport], None] | None = field(default=None, repr=False, compare=False)

    MAX_PROBLEMS = 500

    def problem(self, identifier: str, field_name: str | None, message: str) -> None:
        """Record a per-record problem (the list is capped; counts are not)."""
        if len(self.problems) < self.MAX_PROBLEMS:
            self.problems.append(Problem(identifier, field_name, message))

    def progressed(self) -> None:
        """Tell ``on_progress`` that more records or pages arrived."""
        if self.on_progress is not None:
            self.on_progress(self)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        c = self.counts
        line = (
            f"{self.source_id}: {self.status} — seen {c.seen}, added {c.added}, updated {c.updated}, "
            f"unchanged {c.unchanged}, deleted {c.deleted}, skipped {c.skipped}, failed {c.failed}, "
            f"pages {self.pages}"
        )
        return f"{line}; error: {self.error}" if self.error else line

    def run_values(self) -> dict[str, Any]:
        """Columns of the harvest_runs row."""
        return {
            "status": self.status,
            "full": self.full,
            "from_date": self.from_date,
            "until_date": self.until_date,
            "response_date": self.response_date,
            **asdict(self.counts),
            "pages": self.pages,
            "wait_seconds": round(self.wait_seconds, 3),
            "error": self.error,
            "problems": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
            "completeness": self.completeness,
        }


class Harvester(Protocol):
    """Pulls one Source and writes what it finds to the Store.

    ``harvest`` fills ``report`` as it goes (so a failure still leaves the counts of what was
    stored), and raises :class:`offerings.errors.HarvestError` only when the *source* cannot be
    harvested; a bad record is skipped (or failed, for a crosswalk bug), logged with its id and counted,
    never raised. Records go through :class:`harvesters.pipeline.Pipeline` with ``enrichment``.
    """

    def harvest(
        self,
        source: Source,
        store: Store,
        report: HarvestReport,
        *,
        full: bool = False,
        enrichment: Enrichment | None = None,
    ) -> None:
        """Harvest ``source`` into ``store``; incremental unless ``full``."""
        ...
