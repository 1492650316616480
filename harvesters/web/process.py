"""Run one crawl in its own interpreter with a wall-clock limit, and stream its messages back.

Twisted's reactor cannot restart within a process (docs/harvesting.md §4.1), so each crawl is a
``python -m harvesters.web.crawl PLAN.json`` child. Its standard output is read line by line as it
comes (each line one JSON message); its log goes to a file in the run's work folder, whose tail
explains a crawl that died. A timer terminates the child when the limit passes, then kills it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvesters.web.plan import CrawlPlan

__all__ = ["CrawlOutcome", "CrawlProcess"]

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
KILL_GRACE_SECONDS = 10.0  # between SIGTERM (scrapy shuts down cleanly) and SIGKILL
LOG_TAIL_CHARS = 2000


@dataclass(slots=True)
class CrawlOutcome:
    """How the child ended."""

    returncode: int | None = None
    timed_out: bool = False
    done: dict[str, Any] | None = None  # the child's closing message, None if it never sent one
    log_tail: str = ""

    @property
    def died(self) -> bool:
        """The child ended without its closing message (crashed, killed, or out of time)."""
        return self.done is None

    def explain(self, limit: float) -> str:
        """Why the crawl failed, for the run's error."""
        if self.timed_out:
            return f"the crawl exceeded its wall-clock limit of {limit:.0f} s and was stopped"
        last = self.log_tail.strip().splitlines()[-1:] or ["no output"]
        return f"the crawl process died (exit status {self.returncode}): {last[0][:300]}"


class CrawlProcess:
    """One crawl subprocess. Iterate :meth:`messages`; read :attr:`outcome` afterwards.

    ``command`` replaces the crawl module (tests use it to simulate a child that hangs or dies).
    """

    def __init__(self, plan: CrawlPlan, workdir: Path, *, limit: float, command: Sequence[str] | None = None) -> None:
        self.plan = plan
        self.workdir = workdir
        self.limit = limit
        self.command = list(command) if command else [sys.executable, "-m", "harvesters.web.crawl"]
        self.outcome = CrawlOutcome()

    def messages(self) -> Iterator[dict[str, Any]]:
        """The child's messages as they arrive; the child is reaped (or killed) when this ends."""
        plan_path = self.workdir / "plan.json"
        self.plan.dump(plan_path)
        log_path = self.workdir / "crawl.log"
        env = dict(os.environ)
        # The child must import this checkout whatever the working directory of the parent.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with log_path.open("wb") as log:
            child = subprocess.Popen(
                [*self.command, str(plan_path)],
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=REPO,
                env=env,
                start_new_session=True,  # so a kill reaches the child alone, never the scheduler
            )
            timer = threading.Timer(self.limit, self._stop, args=(child,), kwargs={"out_of_time": True})
            timer.daemon = True
            timer.start()
            try:
                yield from self._read(child)
            finally:
                timer.cancel()
                self._reap(child)
                self.outcome.returncode = child.wait()
                if child.stdout is not None:
                    child.stdout.close()
        self.outcome.log_tail = log_path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
        if self.outcome.died:
            logger.warning("crawl of %s failed; log tail:\n%s", self.plan.source_id, self.outcome.log_tail)

    def _read(self, child: subprocess.Popen[bytes]) -> Iterator[dict[str, Any]]:
        assert child.stdout is not None
        for raw in child.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                logger.warning("crawl of %s: not a JSON line: %r", self.plan.source_id, raw[:200])
                continue
            if not isinstance(message, dict):
                continue
            if message.get("type") == "done":
                self.outcome.done = message
                continue
            yield message

    def _reap(self, child: subprocess.Popen[bytes]) -> None:
        """Let a child that said it is done finish exiting; stop one the reader gave up on."""
        if self.outcome.done is not None:
            try:
                child.wait(timeout=KILL_GRACE_SECONDS)  # its stream closes a moment before it exits
                return
            except subprocess.TimeoutExpired:
                pass
        self._stop(child, out_of_time=False)

    def _stop(self, child: subprocess.Popen[bytes], *, out_of_time: bool) -> None:
        """SIGTERM, then SIGKILL after a grace period, to the child's process group."""
        if child.poll() is not None:
            return
        if out_of_time:
            self.outcome.timed_out = True
            logger.warning("crawl of %s hit its limit of %.0f s; stopping it", self.plan.source_id, self.limit)
        try:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(timeout=KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
