"""Keyboard-only helpers for the browser tests: move the focus with Tab, act with Enter or Space.

No helper clicks: a flow that needs the mouse somewhere fails here, which is the point.
"""

from __future__ import annotations

from playwright.sync_api import Page

__all__ = ["MAX_TABS", "focused", "press_on", "tab_to"]

# Enough for the longest page the demo renders (the search page's header, filters and 20 results);
# a control further away than this is not reachable in practice by keyboard either.
MAX_TABS = 400


def focused(page: Page, selector: str) -> bool:
    """Whether the element with the focus matches ``selector``."""
    return bool(page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector))


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab when ``backwards``) until the focus is on an element matching ``selector``.

    Raises:
        AssertionError: no such element got the focus within :data:`MAX_TABS` presses.
    """
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{selector!r} never got the keyboard focus in {MAX_TABS} presses of {key} on {page.url}")


def press_on(page: Page, selector: str, key: str = "Enter", *, navigates: bool = True) -> None:
    """Tab to ``selector`` and press ``key`` there; wait for the page it leads to unless it ``navigates`` not."""
    tab_to(page, selector)
    if not navigates:
        page.keyboard.press(key)
        return
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press(key)
