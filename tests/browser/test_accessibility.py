"""axe-core (from npm) on every page type of the student's and the HEI's UI, in English, German and French.

WCAG 2.1 A and AA rules (plus axe's best practices on landmarks and headings); a serious or critical
violation fails the test with what axe found and where. The same pages are photographed at desktop and
phone width into var/screenshots/ (git-ignored), to be looked at by a person.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from indexer.base import SearchQuery
from tests.browser.conftest import PHONE, SCREENSHOTS, LiveSite

pytestmark = pytest.mark.slow

LANGUAGES = ("en", "de", "fr")
PAGE_TYPES = ("home", "search", "offering", "compare", "provider", "register", "sources", "source")
# WCAG 2.1 A and AA, and the best practices that cover what the issue names (landmarks, headings, skip link).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = ("serious", "critical")


def page_paths(site: LiveSite) -> dict[str, str]:
    """One URL of each page type over the demo catalogue."""
    # The well-described institution's offerings (microcred.demo.rich) fill every part of the pages.
    rich = site.catalogue.engine.search(SearchQuery(filters={"source": ("demo-lough-corrib",)}, size=2, facets=()))
    sparse = site.catalogue.engine.search(SearchQuery(filters={"source": ("demo-hochschule-rheinau",)}, facets=()))
    assert len(rich.results) == 2 and sparse.results, "the demo catalogue lacks its rich or its sparse offerings"
    found = rich
    ids = [r["id"] for r in rich.results] + [sparse.results[0]["id"]]
    source = site.catalogue.store.sources.all()[0].id
    return {
        "home": "/",
        "search": "/search?q=data&mode=online",
        "offering": f"/offerings/{quote(ids[0], safe='')}",
        "compare": "/compare?ids=" + quote(",".join(ids), safe=","),
        "provider": f"/providers/{found.results[0]['provider_id']}",
        "register": "/register",
        "sources": "/sources",
        "source": f"/sources/{source}",
    }


def _violations(page: Page) -> list[dict[str, Any]]:
    results: dict[str, Any] = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


def _described(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_serious_violations(site: LiveSite, audited: Page, kind: str, language: str) -> None:
    path = page_paths(site)[kind]
    response = audited.goto(site.at(path) + ("&" if "?" in path else "?") + f"lang={language}")
    assert response is not None and response.status == 200, path
    assert (audited.locator("html").get_attribute("lang") or "").split("-")[0] == language
    violations = _violations(audited)
    assert not violations, f"{kind} in {language} ({path}):\n{_described(violations)}"


def test_axe_finds_what_it_should(site: LiveSite, audited: Page) -> None:
    """The check can fail: a page with an unlabelled field and a low-contrast text is reported."""
    audited.goto(site.at("/search?lang=en"))
    audited.evaluate(
        """() => {
            document.querySelector('label[for=q]').remove();
            document.querySelector('#q').removeAttribute('placeholder');
            const p = document.createElement('p');
            p.textContent = 'Barely visible';
            p.style.color = '#eeeeee';
            document.querySelector('main').append(p);
        }"""
    )
    found = {v["id"] for v in _violations(audited)}
    assert {"label", "color-contrast"} <= found, json.dumps(sorted(found))


@pytest.mark.parametrize("kind", ("home", "search", "offering", "compare", "provider", "register"))
def test_screenshots(site: LiveSite, desktop: Page, phone: Page, kind: str) -> None:
    """The main pages at desktop and phone width, for a person to look at (var/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = page_paths(site)[kind]
    for name, page in (("desktop", desktop), ("phone", phone)):
        page.goto(site.at(path))
        target = SCREENSHOTS / f"{kind}-{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0
        # And the first screen alone: what a student sees before scrolling.
        page.screenshot(path=str(SCREENSHOTS / f"{kind}-{name}-first-screen.png"))
        # Nothing may be wider than the screen: a phone user would have to scroll the page sideways.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if name == "phone":
            assert overflow <= 0, f"{kind} is {overflow}px wider than a {PHONE['width']}px screen"
