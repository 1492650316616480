"""A student's way through the catalogue with the keyboard alone, in real Chromium, at desktop and phone width.

Browse a field from the home page, search, apply a facet, go to the next page, open an offering, put
three offerings side by side and switch the UI to German: every step by Tab, Enter and Space, never
a click. The same flow runs at 390 × 844, where the filters fold behind "Filters (n)" and the first
result must be on the first screen.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PHONE, LiveSite
from tests.browser.keyboard import focused, press_on, tab_to

pytestmark = pytest.mark.slow


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _is_phone(page: Page) -> bool:
    size = page.viewport_size
    return bool(size and size["width"] == PHONE["width"])


def _results_heading(page: Page) -> str:
    return page.locator("#results-heading").inner_text().strip()


def test_browse_a_field_from_the_home_page(site: LiveSite, any_width: Page) -> None:
    page = any_width
    page.goto(site.at("/"))
    assert page.locator(".browse [aria-labelledby=browse-fields] a").count(), "the demo has no fields to browse"
    # The search box is the page's main action: first in the reading and tab order, and first on the screen.
    box, lists = page.locator("#q"), page.locator(".browse")
    follows = box.evaluate(
        "(box, lists) => !!(box.compareDocumentPosition(lists) & Node.DOCUMENT_POSITION_FOLLOWING)",
        lists.element_handle(),
    )
    assert follows, "the browse lists come before the search box"
    box_at, lists_at = box.bounding_box(), lists.bounding_box()
    assert box_at and lists_at and box_at["y"] + box_at["height"] <= lists_at["y"], (box_at, lists_at)
    broad = page.locator(".browse [aria-labelledby=browse-fields] > ul > li > a").first
    name = broad.inner_text().strip()
    press_on(page, ".browse [aria-labelledby=browse-fields] a")
    assert urlsplit(page.url).path == "/search"
    # The link names the broad field itself (a short link to share); the search widens it to the codes under it.
    fields = _query(page).get("isced_f")
    assert fields and len(fields) == 1 and len(fields[0]) == 2, page.url
    assert page.locator(".result").count() > 0
    # One removable filter, for the field, and removing it removes the whole field.
    chips = page.locator(".active-filters a")
    assert chips.count() == 1 and name in chips.inner_text(), chips.all_inner_texts()
    press_on(page, ".active-filters a")
    assert "isced_f" not in _query(page), page.url
    assert page.locator(".active-filters a").count() == 0


def test_search_facet_paginate_and_open(site: LiveSite, any_width: Page) -> None:
    page = any_width
    page.goto(site.at("/search"))
    # The skip link is the first stop, and it leads past the header.
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link")
    tab_to(page, "input#q")
    page.keyboard.type("data")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    assert _query(page)["q"] == ["data"]
    assert page.locator(".result").count() > 0
    # The count leads the new page's title (what a screen reader reads first) and is in a status region.
    assert page.title().startswith(_results_heading(page) + " – ")
    assert page.locator("[role=status]", has_text="Showing 1–").count() == 1
    if _is_phone(page):
        # Results first: the filters are folded, and the first result starts on the first screen.
        assert page.locator("details.filters-panel").get_attribute("open") is None
        box = page.locator(".result").first.bounding_box()
        assert box is not None and box["y"] < PHONE["height"], box

    # Empty the search box (the whole catalogue: enough results to page through), then a facet.
    tab_to(page, "input#q", backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    assert not _query(page).get("q")
    if _is_phone(page):
        press_on(page, "details.filters-panel > summary", navigates=False)
        assert page.locator("details.filters-panel").get_attribute("open") is not None

    # A facet: open the language group if it is folded, tick its first value with Space, apply.
    language = "details.facet:has(input[name=language])"
    if page.locator(language).get_attribute("open") is None:
        press_on(page, f"{language} > summary", navigates=False)
    tab_to(page, f"{language} input[type=checkbox]")
    value = page.evaluate("() => document.activeElement.value")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked")
    press_on(page, ".filters-panel > button[type=submit]")
    assert _query(page)["language"] == [value]
    total_with_facet = _results_heading(page)

    # Back to all languages, then the next page of results.
    press_on(page, ".active-filters a")
    assert "language" not in _query(page)
    assert _results_heading(page) != total_with_facet
    press_on(page, ".pagination a[rel=next]")
    assert _query(page)["page"] == ["2"]
    assert page.locator(".pagination a[aria-current=page]").inner_text() == "2"

    # Open the first offering of page 2.
    title = page.locator(".result h3 a").first.inner_text()
    press_on(page, ".result h3 a")
    assert urlsplit(page.url).path.startswith("/offerings/")
    assert page.locator("h1").inner_text() == title


def test_three_offerings_side_by_side(site: LiveSite, any_width: Page) -> None:
    page = any_width
    page.goto(site.at("/search"))
    added: list[str] = []
    for round_ in range(3):
        tab_to(page, ".result a.compare-add")
        # The link names its offering for screen readers ("Add to comparison: <title>").
        added.append(page.evaluate("() => document.activeElement.textContent").split(":", 1)[1].strip())
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == "/compare"
        assert page.locator("table.compare thead th").count() == round_ + 1
        if round_ < 2:
            press_on(page, "a[href^='/search?compare=']")
            assert page.locator(".result a.compare-add").count() > 0
    assert len(set(added)) == 3
    headers = page.locator("table.compare thead th a:not(.remove)").all_inner_texts()
    assert headers == added
    # The table scrolls sideways on a phone: the region itself takes the focus, so the keyboard can scroll it.
    tab_to(page, "[role=region][aria-labelledby=compare-caption]")
    assert page.locator("table.compare tbody tr").count() >= 10


def test_switch_to_german(site: LiveSite, any_width: Page) -> None:
    page = any_width
    page.goto(site.at("/search?q=data"))
    assert page.locator("html").get_attribute("lang") in ("en", "en-GB")
    press_on(page, ".lang-switch a[hreflang=de]")
    assert page.locator("html").get_attribute("lang") == "de"
    assert _query(page)["q"] == ["data"]
    assert page.locator("label[for=q]").inner_text() == "Kurse und Micro-Credentials suchen"
    # The choice sticks (a cookie): the next page is German too, without ?lang=.
    press_on(page, ".result h3 a")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("#supplement-heading").inner_text() != "Credit supplement"


def test_filter_by_an_esco_skill(site: LiveSite, desktop: Page) -> None:
    page = desktop
    page.goto(site.at("/search"))
    skills = "details.facet:has(input[name=esco_skill])"
    assert "Skills (ESCO)" in page.locator(f"{skills} > summary").inner_text()
    if page.locator(skills).get_attribute("open") is None:
        press_on(page, f"{skills} > summary", navigates=False)
    tab_to(page, f"{skills} input[type=checkbox]")
    label = page.evaluate("() => document.querySelector(`label[for=${document.activeElement.id}]`).textContent")
    page.keyboard.press("Space")
    press_on(page, ".filters-panel > button[type=submit]")
    assert _query(page)["esco_skill"][0].startswith("http://data.europa.eu/esco/skill/")
    # The skill is named by its label, not its URI, in the filter chip; every result is the rich institution's.
    assert label.split("(")[0].strip() in page.locator(".active-filters a").inner_text()
    providers = page.locator(".result .provider a").all_inner_texts()
    assert providers and set(providers) == {"Lough Corrib University"}
