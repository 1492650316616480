"""Which offerings of a web source are gone: a record missing N runs in a row is deleted (pure bookkeeping).

A web page cannot say "deleted" the way an OAI header does; it answers 404/410, drops out of the
sitemap, or stops carrying a course. A single missing run may be a hiccup (a deploy, a broken
sitemap), so each record keeps a count of consecutive runs it was missing, and is deleted when the
count reaches ``missing_runs``. What counts as missing depends on whether the crawl was complete:

* complete (it ran to its end under the page cap): every known record not seen is missing, except
  those on pages that failed for a transient reason (blocked, 5xx, timeout, too large), which are
  held as they are;
* incomplete (page cap, timeout, crash): only records on pages that answered 404/410, or that the
  site no longer lets us fetch (robots.txt), are missing; the rest are held.

The state lives in ``source.state["web"]``: ``records`` (record id → page URL and missing count)
and ``lastmod`` (page URL → the sitemap ``lastmod`` of the run that last read it with offerings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Ledger"]


@dataclass(slots=True)
class Ledger:
    """What one run saw, page by page, and the decision it leads to."""

    previous: dict[str, dict[str, Any]] = field(default_factory=dict)  # state["web"]["records"]
    known_lastmod: dict[str, str] = field(default_factory=dict)  # state["web"]["lastmod"]
    pages: dict[str, list[str]] = field(default_factory=dict)  # page URL → record ids read from it this run
    listed: dict[str, str | None] = field(default_factory=dict)  # sitemap entries: URL → lastmod
    gone: set[str] = field(default_factory=set)  # pages that answered 404/410
    failed: dict[str, bool] = field(default_factory=dict)  # page URL → transient?

    def read(self, page: str, record_ids: list[str]) -> None:
        """Record the ids a fetched page yielded (possibly none)."""
        ids = self.pages.setdefault(page, [])
        ids += [i for i in dict.fromkeys(record_ids) if i not in ids]

    def skipped_unchanged(self) -> set[str]:
        """Pages not fetched because their sitemap ``lastmod`` did not change."""
        return {
            url
            for url, lastmod in self.listed.items()
            if lastmod and self.known_lastmod.get(url) == lastmod and url not in self.pages
        }

    def settle(
        self, live_ids: set[str], *, complete: bool, missing_runs: int
    ) -> tuple[set[str], dict[str, dict[str, Any]], dict[str, str]]:
        """``(ids to delete, new records state, new lastmod state)``.

        ``live_ids`` are the source's live offerings in the store (they count as known even when the
        state has lost track of them).
        """
        unchanged_pages = self.skipped_unchanged()
        present: dict[str, str] = {}
        for page, ids in self.pages.items():
            for record_id in ids:
                present.setdefault(record_id, page)
        for record_id, entry in self.previous.items():
            if entry.get("page") in unchanged_pages:
                present.setdefault(record_id, entry["page"])
        records: dict[str, dict[str, Any]] = {i: {"page": p, "missing": 0} for i, p in present.items()}
        doomed: set[str] = set()
        for record_id in (set(self.previous) | live_ids) - set(present):
            entry = dict(self.previous.get(record_id) or {"page": None, "missing": 0})
            last_page = entry.get("page") or ""  # "" (no page noted) is in neither gone nor failed
            explicit = last_page in self.gone or self.failed.get(last_page) is False
            held = self.failed.get(last_page) is True or not (complete or explicit)
            if not held:
                entry["missing"] = int(entry.get("missing", 0)) + 1
            if not held and entry["missing"] >= missing_runs:
                doomed.add(record_id)
            else:
                records[record_id] = entry
        lastmod = {
            url: self.listed[url]
            for url, ids in self.pages.items()
            if ids and self.listed.get(url)  # pages without offerings are fetched again every run
        }
        lastmod.update({url: self.known_lastmod[url] for url in unchanged_pages})
        return doomed, records, {k: v for k, v in lastmod.items() if v}
