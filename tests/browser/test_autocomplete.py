"""Autocomplete on the search box, in real Chromium: the ARIA combobox pattern over the suggest API, by keyboard.

And the same search box without JavaScript: a plain form that still searches.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, LiveSite
from tests.browser.keyboard import tab_to
from tests.browser.test_accessibility import _described, _violations

pytestmark = pytest.mark.slow

LISTBOX = "#q-suggestions"


def _type_in_search_box(page: Page, text: str) -> None:
    tab_to(page, "input#q")
    page.keyboard.type(text)


def test_suggestions_by_keyboard(site: LiveSite, desktop: Page) -> None:
    page = desktop
    page.goto(site.at("/search"))
    box = page.locator("input#q")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    _type_in_search_box(page, "dat")
    listbox = page.locator(LISTBOX)
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.locator("[role=option]")
    count = options.count()
    assert count > 0
    # Announced: the number of completions, in a polite live region.
    expect(page.locator(".has-suggestions [role=status]")).to_have_text(
        f"{count} suggestion{'s' if count > 1 else ''}, use the up and down arrow keys"
    )
    # The suggest API's answer, in its order (the page shows what the server proposes).
    wanted = page.request.get(site.at("/api/v1/suggest?q=dat&size=8")).json()["suggestions"]
    assert [o.get_attribute("data-value") for o in options.all()] == [s["text"] for s in wanted]

    # Down twice, up once: the first option is active, the focus never left the field.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    first = options.first
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    expect(first).to_have_attribute("aria-selected", "true")
    assert page.evaluate("() => document.activeElement.id") == "q"

    # Enter searches the active completion.
    text = first.get_attribute("data-value")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == [text]
    assert page.locator(".result").count() > 0


def test_escape_closes_and_enter_searches_what_was_typed(site: LiveSite, desktop: Page) -> None:
    page = desktop
    page.goto(site.at("/search"))
    _type_in_search_box(page, "manag")
    expect(page.locator(LISTBOX)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(LISTBOX)).to_be_hidden()
    expect(page.locator("input#q")).to_have_attribute("aria-expanded", "false")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["manag"]


def test_open_list_passes_axe(site: LiveSite, audited: Page) -> None:
    page = audited
    page.goto(site.at("/search?lang=de"))
    _type_in_search_box(page, "dat")
    expect(page.locator(LISTBOX)).to_be_visible()
    page.keyboard.press("ArrowDown")
    violations = _violations(page)
    assert not violations, _described(violations)


def test_without_javascript_the_form_still_searches(site: LiveSite, browser: Browser) -> None:
    context = browser.new_context(
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(site.at("/search"))
        assert page.locator("input#q").get_attribute("role") is None
        assert page.locator(LISTBOX).count() == 0
        _type_in_search_box(page, "data")
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.keyboard.press("Enter")
        assert parse_qs(urlsplit(page.url).query)["q"] == ["data"]
        assert page.locator(".result").count() > 0
    finally:
        context.close()
