"""Progress of the long commands (tqdm, on stderr): ``microcred harvest`` counts a source's records and pages as
they arrive, ``microcred index --rebuild`` the documents indexed; both with the rate, and with the share done and
the time left where the total is known (the OAI-PMH ``completeListSize``, the store's count).

On a terminal the line is redrawn in place; elsewhere (a log, CI) tqdm writes its updates at most every
``mininterval`` seconds (``TQDM_MININTERVAL`` and the other ``TQDM_*`` variables override its defaults). With
``log_format = "json"`` there is no bar: stderr is a log pipeline's then, one JSON object a line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from tqdm import tqdm

from harvesters.base import HarvestReport

__all__ = ["HarvestBar", "counter"]

logger = logging.getLogger(__name__)


class HarvestBar:
    """One source's harvest: records seen (against ``completeListSize`` when announced) and pages so far."""

    def __init__(self, source_id: str, *, enabled: bool = True) -> None:
        self.bar = tqdm(
            desc=source_id, unit=" records", file=sys.stderr, dynamic_ncols=True, leave=True, disable=not enabled
        )

    def update(self, report: HarvestReport) -> None:
        """Move to where ``report`` is (the harvest's ``progress`` callback)."""
        if report.expected and self.bar.total != report.expected:
            self.bar.total = report.expected  # from the first page on: a share and the time left
        self.bar.set_postfix_str(f"{report.pages} pages", refresh=False)
        self.bar.update(report.counts.seen - self.bar.n)

    def __enter__(self) -> HarvestBar:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bar.close()


@contextmanager
def counter(label: str, total: int | None, *, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A bar of ``total`` items; yields the callback that takes the count done so far."""
    bar = tqdm(
        desc=label, total=total, unit=" documents", file=sys.stderr, dynamic_ncols=True, leave=True, disable=not enabled
    )

    def done(count: int) -> None:
        bar.update(count - bar.n)

    try:
        yield done
    finally:
        bar.close()
