"""Crawl benchmark: the microcred web harvester against a bare scrapy spider over the same loopback site.

One measurement per process (``python -m bench.crawl --mode bare|crawl|harvest|extract --pages N``),
printing one JSON line; ``bench/__main__.py`` runs them and writes the report. The site (a robots.txt,
one sitemap and N course pages with schema.org JSON-LD) is served from memory by a separate process on
127.0.0.1 so the server's work is not counted against the crawler.

* ``bare``: a scrapy spider that only fetches the N page URLs (scrapy's defaults: 8 requests at once
  per domain, no delay, no robots.txt, no cache) and does nothing with them.
* ``crawl``: the microcred crawl subprocess alone (discovery through robots.txt and the sitemap,
  politeness at the loopback-allowed maximum: 2 requests at once, no delay floor, AutoThrottle on, HTTP
  cache written, the guarded resolver, JSON-LD extraction, messages streamed to the parent).
* ``harvest``: ``harvest_source`` end to end: the crawl plus the crosswalk, quality score and store.
* ``extract``: per-page extraction cost in this process (JSON-LD, microdata, RDFa) and the crosswalk.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

MODES = ("bare", "crawl", "harvest", "extract")
MICRODATA_PAGE = (
    """<!DOCTYPE html><html lang="en"><head><title>Course</title></head><body>
<main itemscope itemtype="https://schema.org/Course"><h1 itemprop="name">Applied data analysis</h1>
<p itemprop="description">Students learn to clean, explore and model data sets from public administration.</p>
<div itemprop="provider" itemscope itemtype="https://schema.org/CollegeOrUniversity"><span itemprop="name">Bench
University</span></div><div itemprop="hasCourseInstance" itemscope itemtype="https://schema.org/CourseInstance">
<span itemprop="courseMode">online</span><span itemprop="startDate">2027-09-01</span></div>
"""
    + "<p>Week: a topic of the course, with readings and exercises.</p>" * 12
    + "</main></body></html>"
)
RDFA_PAGE = (
    MICRODATA_PAGE.replace(' itemscope itemtype="https://schema.org/', ' typeof="')
    .replace("itemprop=", "property=")
    .replace('<html lang="en">', '<html lang="en" vocab="https://schema.org/">')
)


def course_page(n: int) -> bytes:
    """Course page ``n``: a realistic head, a JSON-LD Course (provider, credits, instance, offer) and body text."""
    course = {
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": f"./#course-{n}",
        "name": f"Applied data analysis {n}",
        "description": "Students learn to clean, explore and model data sets from public administration. " * 3,
        "inLanguage": "en",
        "provider": {"@type": "CollegeOrUniversity", "name": "Bench University", "address": {"addressCountry": "NL"}},
        "numberOfCredits": {"@type": "StructuredValue", "value": 5, "unitText": "ECTS"},
        "educationalLevel": "EQF level 6",
        "teaches": ["Clean tabular data", "Fit and check a regression model"],
        "hasCourseInstance": {
            "@type": "CourseInstance",
            "courseMode": "online",
            "startDate": "2027-09-01",
            "endDate": "2027-11-30",
            "offers": {"@type": "Offer", "price": 450 + n % 100, "priceCurrency": "EUR"},
        },
    }
    body = "".join(f"<p>Week {w}: a topic of the course, with readings and exercises.</p>" for w in range(1, 13))
    nav = "".join(f'<li><a href="/courses/{n + k}">Related course {n + k}</a></li>' for k in range(1, 6))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Course</title>"
        f'<script type="application/ld+json">{json.dumps(course)}</script></head>'
        f"<body><nav><ul>{nav}</ul></nav><main><h1>{course['name']}</h1>{body}</main></body></html>"
    ).encode()


def site_pages(base: str, pages: int) -> dict[str, tuple[str, bytes]]:
    """Path → (content type, body) of the whole site."""
    urls = "".join(f"<url><loc>{base}/courses/{n}</loc></url>" for n in range(pages))
    site = {f"/courses/{n}": ("text/html; charset=utf-8", course_page(n)) for n in range(pages)}
    site["/robots.txt"] = ("text/plain", f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode())
    sitemap = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    site["/sitemap.xml"] = ("application/xml", sitemap.encode())
    return site


def _serve(pages: int, conn: Connection) -> None:
    """Server process: build the site for its own port, report the port, serve until killed."""
    state: dict[str, dict[str, tuple[str, bytes]]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # http.server's name
            kind, body = state["site"].get(self.path, ("text/plain", b"not found"))
            self.send_response(200 if self.path in state["site"] else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # http.server's name
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["site"] = site_pages(f"http://127.0.0.1:{server.server_address[1]}", pages)
    conn.send(server.server_address[1])
    server.serve_forever()


def _bare(base: str, pages: int, _tmp: Path) -> dict[str, Any]:
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    fetched = []

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            for n in range(pages):
                yield scrapy.Request(f"{base}/courses/{n}", callback=self.parse)

        def parse(self, response: Any) -> None:
            fetched.append(len(response.body))

    settings = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    times: list[float] = []
    crawler.signals.connect(lambda spider: times.append(time.monotonic()), signals.spider_opened, weak=False)
    crawler.signals.connect(lambda spider, reason: times.append(time.monotonic()), signals.spider_closed, weak=False)
    process.crawl(crawler)
    process.start()
    return {"pages": len(fetched), "crawl_seconds": round(times[1] - times[0], 3)}


def _settings(tmp: Path) -> Any:
    from config import load_settings

    # Loopback-allowed maximum: no delay floor, 2 requests at once; robots.txt, AutoThrottle, cache all on.
    web = {"delay": 0.0, "concurrency_per_domain": 2, "max_pages": 100_000, "timeout": 3600.0}
    return load_settings({"data_dir": str(tmp), "allow_private_feeds": True, "web": web}, environ={})


def _crawl(base: str, pages: int, tmp: Path) -> dict[str, Any]:
    from harvesters.web.plan import plan_for
    from harvesters.web.process import CrawlProcess
    from offerings.store import Source

    source = Source(id="bench", url=base + "/", kind="web")
    plan = plan_for(source, _settings(tmp), full=True, known_lastmod={})
    work = tmp / "work"
    work.mkdir()
    crawl = CrawlProcess(plan, work, limit=3600.0)
    courses = sum(len(m.get("courses", [])) for m in crawl.messages() if m["type"] == "page")
    done = crawl.outcome.done or {}
    return {"pages": courses, "crawl_seconds": done.get("seconds")}


def _harvest(base: str, pages: int, tmp: Path) -> dict[str, Any]:
    from harvesters.runner import harvest_source
    from offerings.store import Source, Store

    settings = _settings(tmp)
    store = Store(settings.store_url)
    try:
        source = store.sources.add(Source(id="bench", url=base + "/", kind="web"))
        report = harvest_source(store, source, settings)
        if report.status != "success" or report.counts.added != pages:
            raise SystemExit(f"harvest failed: {report.summary()}")
        return {"pages": report.pages}
    finally:
        store.close()


def _extract(_base: str, pages: int, _tmp: Path) -> dict[str, Any]:
    from harvesters.web.extract import extract_page
    from offerings.crosswalks import SourceContext, SourceRecord, crosswalk_for

    texts = [course_page(n).decode() for n in range(pages)]
    url = "http://127.0.0.1/courses/1"
    started = time.perf_counter()
    found = [extract_page(text, url).courses[0] for text in texts]
    jsonld = (time.perf_counter() - started) / pages
    timings = {}
    for name, page in (("microdata", MICRODATA_PAGE), ("rdfa", RDFA_PAGE)):
        rounds = max(20, pages // 20)
        started = time.perf_counter()
        for _ in range(rounds):
            assert extract_page(page, url).courses
        timings[name] = (time.perf_counter() - started) / rounds
    crosswalk = crosswalk_for("schema_org")
    context = SourceContext(source_id="bench", extra={"page_language": "en"})
    records = [SourceRecord(identifier=url, payload=json.dumps(c).encode(), url=url) for c in found]
    started = time.perf_counter()
    for record in records:
        crosswalk(record, context)
    return {
        "pages": pages,
        "jsonld_ms": round(jsonld * 1000, 3),
        "microdata_ms": round(timings["microdata"] * 1000, 3),
        "rdfa_ms": round(timings["rdfa"] * 1000, 3),
        "crosswalk_ms": round((time.perf_counter() - started) / pages * 1000, 3),
    }


RUNNERS: dict[str, Callable[[str, int, Path], dict[str, Any]]] = {
    "bare": _bare,
    "crawl": _crawl,
    "harvest": _harvest,
    "extract": _extract,
}


def measure(mode: str, pages: int) -> dict[str, Any]:
    """Serve the site from a separate process and time one run of ``mode`` against it."""
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(pages, child), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{parent.recv()}"
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = RUNNERS[mode](base, pages, Path(tmp))
            wall = time.perf_counter() - started
    finally:
        server.kill()
        server.join()
    result.update(mode=mode, wall_seconds=round(wall, 3))
    if mode != "extract":
        result["pages_per_second"] = round(result["pages"] / wall, 1)
        if result.get("crawl_seconds"):
            result["crawl_pages_per_second"] = round(result["pages"] / result["crawl_seconds"], 1)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main(argv: list[str] | None = None) -> None:
    """Command line: one measurement, one JSON line on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.mode, args.pages)))


if __name__ == "__main__":
    main(sys.argv[1:])
