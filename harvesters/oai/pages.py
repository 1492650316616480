"""A run's pages normalised in order, in a worker process while the harvesting process fetches and writes.

Normalising (the crosswalk, its text mining and the validation rules) is most of a record's cost, and it
is pure: :class:`PageNormaliser` sends each page's body to a worker process, which parses it again with
the client's own :func:`~harvesters.oai.client.read_page`, reads its records (:func:`source_record`) and
normalises them (:func:`harvesters.pipeline.attempt`), while the harvesting process fetches the next
page and writes the one before. What comes back is settled in page order, each page once its records
are known, so counts, problems, checkpoints and deletions are what they are without the worker.

The worker is started only when a run has a second page (``harvest.normalise_workers``; 0 keeps every
page in the harvesting process), and pages are normalised here until it has started, so a small feed
never waits for it. At most ``2 × workers`` pages are in flight, so memory stays flat however long the
feed. A worker that dies has its pages normalised here instead. Worker processes are spawned, not forked
(the harvesting process has threads: prefetch, scheduler), and get the pinned ESCO version the
validation rules check against; their log records of normalising (debug only) stay in the worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from lxml import etree
from sickle.models import Header

from harvesters.base import Problem
from harvesters.oai.client import OAI, OaiPage, read_page
from harvesters.pipeline import Refused, attempt
from offerings.crosswalks import CROSSWALKS, Crosswalk, SourceContext, SourceRecord
from offerings.normalise import Normalised
from offerings.vocab import esco

__all__ = ["Outcome", "PageNormaliser", "outcomes", "source_record"]

logger = logging.getLogger(__name__)

# What became of one item of a page: normalised, refused by its crosswalk, or unreadable as a record.
Outcome = Normalised | Refused | Problem
# A page's outcomes, each with the name the report gives its record, in the page's order.
Outcomes = list[tuple[str, Outcome]]


def source_record(element: etree._Element) -> SourceRecord | Problem:
    """The record of one ``<record>`` element: header, payload bytes (kept as the raw record) and the
    payload's parsed tree (so the crosswalk does not parse it again); a Problem when it has none."""
    header_el = element.find(f"{OAI}header")
    if header_el is None:
        return Problem("(unknown)", "header", "record without a header")
    header = Header(header_el)
    if not header.identifier:
        return Problem("(unknown)", "header", "record without an identifier")
    identifier = header.identifier.strip()
    if header.deleted:
        return SourceRecord(
            identifier=identifier, datestamp=header.datestamp, deleted=True, set_specs=tuple(header.setSpecs)
        )
    metadata = element.find(f"{OAI}metadata")
    payload_el = next((c for c in metadata if isinstance(c.tag, str)), None) if metadata is not None else None
    if payload_el is None:
        return Problem(identifier, "metadata", "record has no metadata")
    return SourceRecord(
        identifier=identifier,
        payload=etree.tostring(payload_el),
        datestamp=header.datestamp,
        set_specs=tuple(header.setSpecs),
        tree=payload_el,
    )


def outcomes(items: Iterable[etree._Element], crosswalk: Crosswalk, context: SourceContext) -> Outcomes:
    """Every item of a page read as a record and normalised, in order."""
    found: Outcomes = []
    for element in items:
        record = source_record(element)
        if isinstance(record, Problem):
            found.append((record.identifier, record))
        else:
            found.append((record.identifier, attempt(record, crosswalk, context)))
    return found


def _normalise_page(content: bytes, endpoint: str, format_name: str, context: SourceContext) -> Outcomes:
    """In the worker: the page the harvester parsed, parsed again from its body, and its items' outcomes."""
    # The harvester only hands on pages it parsed, so the body is an OAI-PMH page (status 200).
    return outcomes(read_page(content, 200, endpoint).items, CROSSWALKS[format_name], context)


# How often a worker looks whether the harvesting process is still there.
PARENT_CHECK_SECONDS = 1.0


def _start_worker(pinned: esco.EscoSkills | None) -> None:
    """Worker initialiser: the validation rules check skills against the harvesting process's pin, and the
    worker ends itself when the harvesting process is gone."""
    esco.pin(pinned)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker once ``parent`` has died. A harvesting process killed with SIGKILL (a scheduler taken
    down mid-run) cannot shut its pool down, and the pool's workers would wait on their queue for ever."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _started() -> bool:
    return True


class PageNormaliser:
    """Normalises a run's pages in order and hands each page's outcomes to its ``settle`` callback.

    ``put`` a page with the callback that writes it; ``flush`` waits until every page put so far is
    settled. Used as a context manager, it settles the pages in flight when the run stops on an error
    (what was fetched before the failure is stored, as it would be without a worker) and stops the worker.
    """

    def __init__(self, format_name: str, context: SourceContext, endpoint: str, *, workers: int) -> None:
        self.format_name = format_name
        self.crosswalk = CROSSWALKS[format_name]
        self.context = context
        self.endpoint = endpoint
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._started: Future[bool] | None = None
        self._pending: deque[tuple[OaiPage, Future[Outcomes], Callable[[Outcomes], None]]] = deque()
        self.pages_in_worker = 0  # pages whose outcomes came from the worker (the log says how many)

    def put(self, page: OaiPage, settle: Callable[[Outcomes], None]) -> None:
        """Normalise ``page`` (here, or in the worker once it runs) and settle it after the pages before it."""
        if self._pool is None and self.workers > 0 and page.token:
            self._start()
        if self._pool is not None and (self._pending or self._worker_ready()):
            future = self._submit(page)
            if future is not None:
                self._pending.append((page, future, settle))
                while len(self._pending) > 2 * self.workers:
                    self._settle_first()
                return
        self.flush()  # a worker that died can leave pages in flight: they come first
        settle(outcomes(page.items, self.crosswalk, self.context))

    def flush(self) -> None:
        """Settle every page in flight, in order."""
        while self._pending:
            self._settle_first()

    def wait_started(self, timeout: float | None = None) -> bool:
        """Wait until the worker, once asked for, has started; whether it runs. A run never waits: pages
        are normalised here meanwhile. Tests wait, to know which process normalises the next page."""
        if self._started is None:
            return False
        self._started.exception(timeout)
        return self._worker_ready()

    def close(self) -> None:
        """Stop the worker (pages not settled are dropped: :meth:`flush` first to keep them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            logger.debug("%s: %d pages normalised in a worker process", self.context.source_id, self.pages_in_worker)

    def __enter__(self) -> PageNormaliser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if error is None or isinstance(error, Exception):
                self.flush()
        finally:
            self.close()

    def _start(self) -> None:
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(esco.pinned(),),
            )
            self._started = self._pool.submit(_started)
        except (OSError, RuntimeError) as exc:  # no process to be had (limits, an unguarded __main__)
            logger.warning("%s: no normalising worker (%r); normalising here", self.context.source_id, exc)
            self._stop_worker()

    def _worker_ready(self) -> bool:
        """Whether the worker has started (until then pages are normalised here, so none waits for it)."""
        started = self._started
        if started is None or not started.done():
            return False
        if started.exception() is not None:
            logger.warning(
                "%s: normalising worker did not start (%r); normalising here",
                self.context.source_id,
                started.exception(),
            )
            self._stop_worker()
            return False
        return True

    def _submit(self, page: OaiPage) -> Future[Outcomes] | None:
        if self._pool is None:
            return None
        try:
            return self._pool.submit(_normalise_page, page.content, self.endpoint, self.format_name, self.context)
        except BrokenProcessPool:
            self._stop_worker()
            return None

    def _settle_first(self) -> None:
        page, future, settle = self._pending.popleft()
        try:
            found = future.result()
            self.pages_in_worker += 1
        except BrokenProcessPool as exc:
            # The worker died (killed, out of memory): its pages are still here, and are normalised here.
            logger.warning("%s: normalising worker died (%s); normalising here", self.context.source_id, exc)
            self._stop_worker()
            found = outcomes(page.items, self.crosswalk, self.context)
        settle(found)

    def _stop_worker(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._started, self.workers = None, None, 0
