"""Web course catalogues (sources of kind ``web``): schema.org Course markup harvested with scrapy.

::

    WebHarvester.harvest (scheduler process)            crawl subprocess, one per run
    ├── plan.plan_for: [web] settings + source   ──▶   crawl.main: CrawlerProcess(plan.scrapy_settings)
    ├── process.CrawlProcess: spawn, time limit   ◀──   spider.CatalogueSpider → stream: JSON lines
    ├── crosswalk "schema_org" → store (batches)          ├── discovery: robots.txt, sitemaps, links
    └── lifecycle.Ledger: N missing runs → delete         ├── extract.extract_page: JSON-LD, microdata, RDFa
                                                          └── policy: guarded resolver + URL check

Per-source settings (discovery mode, sitemaps, URL patterns, depth, page cap, missing runs) live
in ``source.state["web_settings"]``; see :mod:`harvesters.web.plan`. The crawl's bookkeeping lives
in ``source.state["web"]``; see :mod:`harvesters.web.lifecycle`.
"""

from __future__ import annotations

from harvesters.web.harvester import WebHarvester

__all__ = ["WebHarvester"]
