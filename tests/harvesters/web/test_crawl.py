"""The web harvester against a real catalogue on loopback: a real scrapy crawl in a subprocess, real store.

One catalogue crawled three times in this one process (the reactor-restart problem would break the
second): discovery through robots.txt and a sitemap index, every kind of page, the SSRF policy,
then pages that change, vanish and appear.
"""

from __future__ import annotations

from config import Settings
from harvesters.base import HarvestReport
from harvesters.runner import harvest_source
from offerings.model import make_record_id
from offerings.store import Source, Store
from tests.harvesters.web.conftest import DATA_SCIENCE, MORE_PATHS, jsonld_page, sitemap
from tests.harvesters.web.site import Site

COURSES = 7  # data science, accounting, 2 × proofreading, physics, datenethik, science des données


def _problems(report: HarvestReport) -> dict[str, str]:
    return {p.identifier.split("/", 3)[-1]: p.message for p in report.problems}


def _titles(store: Store, source_id: str) -> set[str]:
    return {r.offering.main_title for r in store.iter_changes() if r.source_id == source_id and not r.deleted}


def test_first_crawl_reads_every_kind_of_page(
    store: Store, web_settings: Settings, catalogue: Site, internal: Site
) -> None:
    source = store.sources.add(
        Source(id="cat", url=catalogue.url("/"), kind="web", state={"web_settings": {"allowed_domains": ["localhost"]}})
    )
    report = harvest_source(store, source, web_settings)

    assert report.status == "success", report.error
    assert (report.counts.seen, report.counts.added, report.counts.skipped) == (COURSES, COURSES, 0)
    assert _titles(store, "cat") == {
        "The Data Scientist's Toolbox",
        "HNC Accounting",
        "Basic Proofreading",
        "Advanced Proofreading",
        "Physics",
        "Datenethik für die Verwaltung",
        "Introduction à la science des données",
    }
    problems = _problems(report)
    assert problems["about"] == "no schema.org Course markup"
    assert "client-rendered" in problems["app/course-42"]
    assert "JSON-LD block 1 is not valid JSON" in problems["courses/physics"]  # reported, and block 2 was read
    assert problems["courses/missing"] == "page gone (HTTP 404)"
    assert "larger than the limit of 100,000 bytes" in problems["courses/huge"]
    assert problems["private/secret-course"] == "not fetched: Forbidden by robots.txt"
    assert problems["courses/moved"].startswith("blocked by the address policy")  # redirect to 127.0.0.1
    localhost = next(m for k, m in problems.items() if k.endswith("internal-course"))
    assert localhost.startswith("blocked by the address policy: localhost resolves to 127.0.0.1")
    assert internal.requests == []  # neither the redirect nor the DNS name reached the internal server
    assert catalogue.hits("/private/secret-course") == 0
    assert catalogue.hits("/sitemaps/courses.xml") == 1 and catalogue.hits("/sitemaps/more.xml") == 1
    assert all(h.get("user-agent") == web_settings.agent for _, h in catalogue.requests)
    assert report.notes[0].startswith("discovery: sitemap; 8 pages fetched: 6 with courses, 2 without")

    by_id = {r.offering.original_identifier: r for r in store.iter_changes()}
    science = by_id[catalogue.url("/courses/data-science")].offering
    assert science.ects_credits == 4 and science.eqf_level == 5 and science.mode == ["online"]
    assert [p.name["en"] for p in science.provider] == ["Johns Hopkins University", "Coursera"]
    accounting = by_id[catalogue.url("/courses/accounting")].offering  # provider resolved through @graph
    assert accounting.provider[0].name == {"en": "Fife College"} and accounting.issuer_country == ["GB"]
    assert accounting.credential_type == "certificate" and len(accounting.instances) == 2
    assert by_id[catalogue.url("/courses/proofreading#advanced")].offering.price[0].amount == 480
    assert by_id[catalogue.url("/courses/proofreading#course-1")].offering.main_title == "Basic Proofreading"
    ethik = by_id[catalogue.url("/courses/datenethik")].offering  # microdata
    assert ethik.title == {"de": "Datenethik für die Verwaltung"} and ethik.ects_credits == 5
    assert ethik.mode == ["blended"] and ethik.issuer_country == ["DE"]
    rdfa = next(r.offering for i, r in by_id.items() if i.endswith("#cours"))
    assert rdfa.languages_of_instruction == ["fr"] and rdfa.provider[0].country == "FR"


def test_second_and_third_runs_follow_changes(store: Store, web_settings: Settings, catalogue: Site) -> None:
    """Changed pages update, unchanged ones change nothing, vanished ones go after two missing runs."""
    source = store.sources.add(Source(id="cat", url=catalogue.url("/"), kind="web"))
    first = harvest_source(store, source, web_settings)
    assert first.counts.added == COURSES
    catalogue.reset_log()

    # The data-science page changes (and says so in the sitemap); proofreading gets a new lastmod but
    # the same content; physics drops out of the sitemap; the microdata page answers 410; a page appears.
    changed = {**DATA_SCIENCE, "name": "The Data Scientist's Toolbox (2027 edition)"}
    catalogue.html("/courses/data-science", jsonld_page(changed))
    catalogue.html("/courses/new", jsonld_page({**DATA_SCIENCE, "@id": "./", "name": "Statistical Inference"}))
    catalogue.html("/courses/datenethik", "<html><body>gone</body></html>", status=410)
    courses = {
        "/courses/data-science": "2027-02-01",
        "/courses/accounting": "2027-01-10",
        "/courses/proofreading": "2027-02-01",
        "/courses/new": "2027-02-01",
    }
    catalogue.xml("/sitemaps/courses.xml", sitemap(catalogue, courses))
    more = {**MORE_PATHS, "/courses/datenethik": "2027-02-01"}
    catalogue.xml("/sitemaps/more.xml", sitemap(catalogue, more))
    second = harvest_source(store, store.sources.get("cat"), web_settings)

    assert second.status == "success", second.error
    assert (second.counts.added, second.counts.updated, second.counts.deleted) == (1, 1, 0)
    assert second.counts.unchanged == 2  # the two proofreading courses: same content, nothing written
    assert catalogue.hits("/courses/accounting") == 0  # lastmod unchanged: not fetched at all
    revalidated = [h for p, h in catalogue.requests if p == "/courses/proofreading"]
    assert revalidated and "if-none-match" in revalidated[0]  # conditional re-crawl from the HTTP cache
    assert "2 unchanged since the last run" in second.notes[0]  # accounting, science des données
    physics = make_record_id("cat", catalogue.url("/courses/physics"))
    assert not store.get(physics).deleted  # missing once: kept
    assert "Statistical Inference" in _titles(store, "cat")

    before = store.max_seq()
    third = harvest_source(store, store.sources.get("cat"), web_settings)
    assert third.status == "success", third.error
    assert third.counts.deleted == 2  # physics (dropped from the sitemap) and datenethik (410), missing twice
    assert store.get(physics).deleted
    assert store.get(make_record_id("cat", catalogue.url("/courses/datenethik"))).deleted
    assert (third.counts.added, third.counts.updated) == (0, 0)
    assert store.max_seq() == before + 2  # the deletes, and nothing else, were written
    assert store.count(source_id="cat") == COURSES - 2 + 1


def test_links_mode_follows_the_pattern_to_the_depth(store: Store, web_settings: Settings, site: Site) -> None:
    """No robots.txt, no sitemap: links from the listing page, within the pattern, one level deep."""
    site.html(
        "/",
        '<html><body><a href="/courses/a">A</a><a href="/courses/b">B</a><a href="/news/1">News</a>'
        '<a href="http://example.org/courses/z">elsewhere</a></body></html>',
    )
    site.html(
        "/courses/a",
        jsonld_page({**DATA_SCIENCE, "name": "Course A"}).replace("</body>", '<a href="/courses/c">C</a></body>'),
    )
    site.html("/courses/b", jsonld_page({**DATA_SCIENCE, "name": "Course B"}))
    site.html("/courses/c", jsonld_page({**DATA_SCIENCE, "name": "Course C"}))
    site.html("/news/1", "<html><body>news</body></html>")
    settings = {"web_settings": {"follow_pattern": "/courses/"}}
    source = store.sources.add(Source(id="links", url=site.url("/"), kind="web", state=settings))
    report = harvest_source(store, source, web_settings)

    assert report.status == "success", report.error
    assert _titles(store, "links") == {"Course A", "Course B"}
    assert site.hits("/news/1") == 0 and site.hits("/courses/c") == 0
    assert report.problems == []  # the listing page itself is not expected to carry a course
    assert report.notes[0].startswith("discovery: links; 3 pages fetched")
    assert store.sources.get("links").state["web"]["mode"] == "links"


def test_page_cap_makes_a_partial_run_that_deletes_nothing(
    store: Store, web_settings: Settings, catalogue: Site
) -> None:
    source = store.sources.add(Source(id="cat", url=catalogue.url("/"), kind="web"))
    harvest_source(store, source, web_settings)
    state = store.sources.get("cat").state
    store.sources.update("cat", state={**state, "web_settings": {"max_pages": 2}})
    catalogue.xml("/sitemaps/courses.xml", sitemap(catalogue, {}))  # everything vanishes at once
    for _ in range(3):
        report = harvest_source(store, store.sources.get("cat"), web_settings, full=True)
        assert report.status == "partial" and report.counts.deleted == 0
    assert any("page cap of 2 reached" in n for n in report.notes)
    assert store.count(source_id="cat") == COURSES


def test_a_broken_sitemap_or_a_new_way_in_deletes_nothing(
    store: Store, web_settings: Settings, catalogue: Site
) -> None:
    source = store.sources.add(Source(id="cat", url=catalogue.url("/"), kind="web"))
    harvest_source(store, source, web_settings)
    # A server error on a cached sitemap: RFC 2616 lets the cache answer, and the run goes on as before.
    catalogue.html("/sitemaps/more.xml", "<html><body>Service unavailable</body></html>", status=503)
    report = harvest_source(store, store.sources.get("cat"), web_settings)
    assert report.status == "success" and report.counts.deleted == 0
    catalogue.html("/sitemaps/more.xml", "<html><body>Not found</body></html>", status=404)
    for _ in range(2):
        report = harvest_source(store, store.sources.get("cat"), web_settings)
        assert report.status == "partial" and report.counts.deleted == 0
    assert "a sitemap could not be read: pages not reached are kept, not deleted" in report.notes
    assert any(p.message == "sitemap: HTTP 404" for p in report.problems)

    catalogue.xml("/sitemaps/more.xml", sitemap(catalogue, MORE_PATHS))
    del catalogue.pages["/robots.txt"]  # no sitemap any more: links from the home page instead
    report = harvest_source(store, store.sources.get("cat"), web_settings)
    assert report.status == "partial" and report.counts.deleted == 0
    assert "discovery changed from sitemap to links: pages not reached are kept, not deleted" in report.notes
    report = harvest_source(store, store.sources.get("cat"), web_settings)  # links are the way in now
    assert report.status == "success" and report.counts.deleted == 0 and report.notes[0].startswith("discovery: links")
    assert store.count(source_id="cat") == COURSES + 1  # with robots.txt gone, /private/ is no longer off limits


def test_a_blocked_start_url_fails_the_run(store: Store, web_settings: Settings, internal: Site) -> None:
    source = store.sources.add(Source(id="int", url=internal.url("/"), kind="web"))
    report = harvest_source(store, source, web_settings)
    assert report.status == "failed" and "not permitted" in (report.error or "")
    assert internal.requests == []


def test_a_start_page_that_is_gone_fails_the_run(store: Store, web_settings: Settings, site: Site) -> None:
    source = store.sources.add(Source(id="empty", url=site.url("/catalogue"), kind="web"))
    report = harvest_source(store, source, web_settings)
    assert report.status == "failed"
    url = site.url("/catalogue")
    assert report.error == f"{url}: no page of the site could be fetched ({url}: page gone (HTTP 404))"
    assert store.sources.runs("empty")[0]["problems"] == [
        {"identifier": url, "field": None, "message": "page gone (HTTP 404)"}
    ]
