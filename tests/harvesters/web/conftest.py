"""A small course catalogue on loopback, modelled on the schema.org samples, and settings that guard it.

The catalogue is served on 127.0.0.2, which the test policy treats as public
(``allowed_networks=["127.0.0.2/32"]`` with ``allow_private_feeds`` false); an "internal" server
on 127.0.0.1 stands for an address harvesters must never reach.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from tests.conftest import make_settings
from tests.harvesters.web.site import Page, Site

PUBLIC = "127.0.0.2"
MAX_PAGE_BYTES = 100_000

DATA_SCIENCE: dict[str, Any] = {
    "@context": "https://schema.org/",
    "@type": "Course",
    "@id": "./",
    "name": "The Data Scientist's Toolbox",
    "description": "In this course you will get an introduction to the main tools and ideas in the data "
    "scientist's toolbox...",
    "inLanguage": "en",
    "provider": {
        "@type": "EducationalOrganization",
        "name": "Johns Hopkins University",
        "address": {"@type": "PostalAddress", "addressCountry": "US"},
    },
    "numberOfCredits": {"@type": "StructuredValue", "value": 4, "unitText": "ECTS"},
    "educationalLevel": "EQF level 5",
    "teaches": ["Use R and RStudio", "Version control with git and GitHub"],
    "hasCourseInstance": {
        "@type": "CourseInstance",
        "courseMode": ["MOOC", "online"],
        "startDate": "2027-02-15",
        "endDate": "2027-03-21",
        "instructor": {"@type": "Person", "name": "Jeff Leek, PhD"},
        "offers": {"@type": "Offer", "offeredBy": "Coursera", "price": "0"},
    },
}
ACCOUNTING_GRAPH: dict[str, Any] = {
    "@context": "https://schema.org/",
    "@graph": [
        {
            "@type": "CollegeOrUniversity",
            "@id": "#fife",
            "name": "Fife College",
            "address": {"@type": "PostalAddress", "addressLocality": "Kirkcaldy", "addressCountry": "GB"},
        },
        {
            "@type": "Course",
            "@id": "./",
            "name": "HNC Accounting",
            "description": "This course is designed for those wishing to take up \r\n       a career in Accounting.",
            "provider": {"@id": "#fife"},
            "educationalCredentialAwarded": "Higher National Certificate in Accounting",
            "hasCourseInstance": [
                {
                    "@type": "CourseInstance",
                    "courseMode": "part-time",
                    "startDate": "2027-08-31",
                    "endDate": "2028-06-21",
                    "location": "St Brycedale Campus Kirkcaldy",
                },
                {
                    "courseMode": "full-time",
                    "startDate": "2027-08-29",
                    "endDate": "2028-06-23",
                    "location": "Halbeath Campus Dunfermline",
                },
            ],
        },
        {"@type": "WebPage", "@id": "#page", "name": "HNC Accounting | Fife College"},
    ],
}
PROOFREADING_ARRAY: list[dict[str, Any]] = [
    {
        "@context": "https://schema.org/",
        "@type": "Course",
        "name": "Basic Proofreading",
        "description": "The distance learning training course that takes you from complete beginner to PQB "
        "qualified proofreader in one step.",
        "educationalCredentialAwarded": "completion certificate from \r\n      PQB",
        "hasCourseInstance": [
            {
                "@type": "CourseInstance",
                "courseMode": ["distance learning", "Online"],
                "offers": {"@type": "Offer", "price": "395", "priceCurrency": "GBP"},
            },
            {
                "@type": "CourseInstance",
                "courseMode": ["Posted", "distance learning"],
                "offers": {"@type": "Offer", "price": "440", "priceCurrency": "GBP"},
            },
        ],
    },
    {
        "@context": "https://schema.org/",
        "@type": "Course",
        "@id": "#advanced",
        "name": "Advanced Proofreading",
        "description": "For qualified proofreaders who want to work on academic texts.",
        "offers": {"@type": "Offer", "price": "480", "priceCurrency": "GBP"},
    },
]
PHYSICS: dict[str, Any] = {
    "@context": "https://schema.org/",
    "@type": "Course",
    "courseCode": "F300",
    "name": "Physics",
    "provider": {
        "@type": "CollegeOrUniversity",
        "name": "University of Bristol",
        "url": {"@id": "/provider/324/university-of-bristol"},
    },
}
MICRODATA_PAGE = """<!DOCTYPE html><html lang="de"><head><title>Datenethik</title></head><body>
<article itemscope itemtype="https://schema.org/Course">
  <h1 itemprop="name">Datenethik für die Verwaltung</h1>
  <p itemprop="description">Grundlagen der Datenethik für Beschäftigte im öffentlichen Dienst.</p>
  <div itemprop="provider" itemscope itemtype="https://schema.org/CollegeOrUniversity">
    <span itemprop="name">Hochschule Musterstadt</span>
    <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
      <meta itemprop="addressCountry" content="DE"></div>
  </div>
  <div itemprop="numberOfCredits" itemscope itemtype="https://schema.org/StructuredValue">
    <span itemprop="value">5</span> <span itemprop="unitText">ECTS</span></div>
  <div itemprop="hasCourseInstance" itemscope itemtype="https://schema.org/CourseInstance">
    <meta itemprop="courseMode" content="blended"><time itemprop="startDate" datetime="2027-03-01">1. März</time>
  </div>
</article></body></html>"""
RDFA_PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Science des données</title></head>
<body vocab="https://schema.org/">
<div typeof="Course" resource="#cours">
  <h1 property="name">Introduction à la science des données</h1>
  <p property="description">Les bases de l'analyse de données pour débutants.</p>
  <span property="inLanguage" content="fr"></span>
  <div property="provider" typeof="CollegeOrUniversity"><span property="name">Université Exemple</span>
    <div property="address" typeof="PostalAddress"><span property="addressCountry">FR</span></div></div>
  <div property="hasCourseInstance" typeof="CourseInstance">
    <span property="courseMode">online</span><span property="startDate" content="2027-04-01">1er avril</span>
  </div>
</div></body></html>"""
ABOUT_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>About us</title></head><body><h1>About</h1><p>"
    + ("We have taught adults since 1902. " * 12)
    + "</p></body></html>"
)
SHELL_PAGE = """<!DOCTYPE html><html><head><title>Course</title><script src="/static/app.js" defer></script></head>
<body><div id="root"></div><noscript>Please enable JavaScript.</noscript></body></html>"""

# Every course page of the first run, and what the sitemaps list (path → lastmod).
COURSE_PATHS = {
    "/courses/data-science": "2027-01-10",
    "/courses/accounting": "2027-01-10",
    "/courses/proofreading": "2027-01-10",
    "/courses/physics": "2027-01-10",
}
MORE_PATHS = {
    "/courses/datenethik": "2027-01-10",
    "/courses/science-des-donnees": "2027-01-10",
    "/about": None,
    "/app/course-42": None,
    "/private/secret-course": None,
    "/courses/moved": None,
    "/courses/huge": None,
    "/courses/missing": None,
}


def jsonld_page(*blocks: Any, title: str = "Course", lang: str = "en", raw: tuple[str, ...] = ()) -> str:
    """An HTML page with one ``<script type="application/ld+json">`` per block (``raw`` ones verbatim)."""
    scripts = [json.dumps(b) for b in blocks] + list(raw)
    tags = "".join(f'<script type="application/ld+json">{s}</script>\n' for s in scripts)
    head = f"<head><title>{title}</title>\n{tags}</head>"
    return f"<!DOCTYPE html><html lang='{lang}'>{head}<body><h1>{title}</h1></body></html>"


def sitemap(site: Site, entries: dict[str, str | None], *, extra: tuple[str, ...] = ()) -> str:
    """A urlset for ``entries`` (path → lastmod), plus absolute URLs in ``extra``."""
    rows = [
        f"<url><loc>{site.url(path)}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"
        for path, lastmod in entries.items()
    ] + [f"<url><loc>{url}</loc></url>" for url in extra]
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(rows)
        + "</urlset>"
    )


def build_catalogue(site: Site, internal: Site) -> None:
    """Serve the whole first-run catalogue on ``site``; ``internal`` stands for a private address."""
    site.html("/courses/data-science", jsonld_page(DATA_SCIENCE, title="Data Scientist's Toolbox"))
    site.html("/courses/accounting", jsonld_page(ACCOUNTING_GRAPH, title="HNC Accounting"))
    site.html("/courses/proofreading", jsonld_page(PROOFREADING_ARRAY, title="Proofreading"))
    broken = '{"@context": "https://schema.org", "@type": "Course", "name": "Broken" ,, }'
    # The malformed block comes first: it must not hide the good one after it.
    site.html("/courses/physics", jsonld_page(title="Physics", raw=(broken, json.dumps(PHYSICS))))
    site.html("/courses/datenethik", MICRODATA_PAGE)
    site.html("/courses/science-des-donnees", RDFA_PAGE)
    site.html("/about", ABOUT_PAGE)
    site.html("/app/course-42", SHELL_PAGE)
    site.html("/private/secret-course", jsonld_page({**PHYSICS, "name": "Secret"}))
    site.redirect("/courses/moved", internal.url("/admin"))
    huge = {**PHYSICS, "name": "Huge", "description": "x" * (MAX_PAGE_BYTES + 50_000)}
    site.html("/courses/huge", jsonld_page(huge))
    internal.html("/admin", "<html><body>internal admin</body></html>")
    internal.html("/internal-course", jsonld_page({**PHYSICS, "name": "Internal"}))
    site.pages["/robots.txt"] = Page(
        body=f"User-agent: *\nDisallow: /private/\n\nSitemap: {site.url('/sitemap-index.xml')}\n".encode(),
        content_type="text/plain",
    )
    site.xml(
        "/sitemap-index.xml",
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('/sitemaps/courses.xml')}</loc></sitemap>"
        f"<sitemap><loc>{site.url('/sitemaps/more.xml')}</loc></sitemap></sitemapindex>",
    )
    site.xml("/sitemaps/courses.xml", sitemap(site, COURSE_PATHS))
    # A name that resolves to the internal address: only the guarded resolver can catch it.
    site.xml(
        "/sitemaps/more.xml", sitemap(site, MORE_PATHS, extra=(f"http://localhost:{internal.port}/internal-course",))
    )
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in [*COURSE_PATHS, *MORE_PATHS])
    site.html(
        "/", f"<!DOCTYPE html><html lang='en'><head><title>Courses</title></head><body><ul>{links}</ul></body></html>"
    )


@pytest.fixture
def internal() -> Iterator[Site]:
    """A server on 127.0.0.1: an address feeds must never reach."""
    server = Site("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def site() -> Iterator[Site]:
    """An empty site on 127.0.0.2 (treated as public by :func:`web_settings`)."""
    server = Site(PUBLIC)
    yield server
    server.stop()


@pytest.fixture
def catalogue(site: Site, internal: Site) -> Site:
    """The catalogue of the first run, served."""
    build_catalogue(site, internal)
    return site


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    """The real address policy (private addresses blocked) with 127.0.0.2 allowed; no politeness delay."""
    return make_settings(
        tmp_path,
        allow_private_feeds=False,
        harvest={"allowed_networks": [f"{PUBLIC}/32"]},
        web={"delay": 0.0, "max_page_bytes": MAX_PAGE_BYTES, "timeout": 120.0},
    )
