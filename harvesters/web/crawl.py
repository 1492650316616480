"""The crawl subprocess: ``python -m harvesters.web.crawl PLAN.json`` runs one scrapy crawl and streams JSON lines.

Twisted's reactor cannot be restarted in a process (docs/harvesting.md §4.1), so every crawl gets a
fresh interpreter; the parent (:mod:`harvesters.web.process`) bounds it with a wall-clock timeout.
Standard output carries one JSON object per line and nothing else (fd 1 is re-pointed to standard
error, where scrapy logs, so a stray ``print`` cannot corrupt the stream). The last line is
``{"type": "done", ...}``; a stream that ends without it means the crawl died.

Message types: ``discovery`` (mode and sitemaps), ``sitemap`` (one fetched sitemap), ``listed``
(page URLs and ``lastmod`` a sitemap lists), ``page`` (Course objects or the problem), ``gone``
(404/410), ``failed`` (blocked, too large, unreachable, robots.txt), ``note`` and ``done``.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from harvesters.web.plan import CrawlPlan, scrapy_settings
from harvesters.web.spider import CatalogueSpider
from harvesters.web.stream import open_private_stdout, write

__all__ = ["main"]

logger = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    """Run the crawl of the plan at ``argv[0]``; exit status 0 when the crawl ran to its end."""
    if len(argv) != 1:
        print("usage: python -m harvesters.web.crawl PLAN.json", file=sys.stderr)
        return 2
    plan = CrawlPlan.load(Path(argv[0]))
    open_private_stdout()
    process = CrawlerProcess(scrapy_settings(plan))
    crawler = process.create_crawler(CatalogueSpider)
    closed: dict[str, Any] = {}
    opened: list[float] = []

    def on_closed(spider: CatalogueSpider, reason: str) -> None:
        stats = {k: v for k, v in (crawler.stats.get_stats() if crawler.stats else {}).items() if _plain(v)}
        seconds = round(time.monotonic() - opened[0], 3) if opened else None
        closed.update(reason=reason, capped=spider.capped, mode=spider.mode, seconds=seconds, stats=stats)

    def on_opened(spider: CatalogueSpider) -> None:
        opened.append(time.monotonic())

    # Receivers are held weakly by scrapy's dispatcher: named locals stay alive for the whole crawl.
    crawler.signals.connect(on_opened, signal=signals.spider_opened)
    crawler.signals.connect(on_closed, signal=signals.spider_closed)
    process.crawl(crawler, plan=plan)
    process.start()
    if not closed:
        return 1
    write({"type": "done", **closed})
    return 0


def _plain(value: Any) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
