"""The browser tests' fixtures: the demo catalogue served for real on loopback, and Debian's Chromium.

The app is the one ``microcred run --demo`` serves: a real SQLite store and engine, filled by
harvesting the bundled demo institutions' feeds (served on loopback), behind a werkzeug server in a
thread. The browser is the machine's Chromium (``apt-get install chromium``), driven by Playwright
for Python; Playwright's own browser download is never used. Without Chromium (or without axe-core,
``npm ci`` in this folder) the tests skip, and fail under ``MICROCRED_REQUIRE_SERVICES=1`` as the
other services do (tests/services.py).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from microcred.demo.server import FeedServer
from microcred.demo.setup import start_demo
from microcred.wiring import Catalogue, demo_settings
from search_ui import create_app
from tests.conftest import REPO, make_settings
from tests.services import unavailable

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "var" / "screenshots"  # var/ is git-ignored
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# As the machine notes give them: headless, root without a sandbox, and none of the background
# connections to Google's hosts that a closed network refuses (many at a time, slowing every start).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    """The machine's Chromium, or a skip (a failure when services are required)."""
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    found = shutil.which("chromium")
    if found:
        return found
    unavailable("Chromium is not installed (apt-get install chromium)")


@dataclass
class LiveSite:
    """The demo catalogue served on loopback: its base URL and what is behind it."""

    url: str
    catalogue: Catalogue

    def at(self, path: str) -> str:
        """The absolute URL of ``path`` on the site."""
        return self.url + path


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The demo catalogue, harvested into a fresh store and engine, served by a real werkzeug server."""
    from werkzeug.serving import make_server

    root = tmp_path_factory.mktemp("browser-site")
    settings = demo_settings(make_settings(root, secret_key="browser-test-secret"))
    catalogue = Catalogue(settings)
    feeds: FeedServer = start_demo(catalogue)
    app = create_app(settings, store=catalogue.store, engine=catalogue.engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-site", daemon=True)
    thread.start()
    try:
        yield LiveSite(url=f"http://127.0.0.1:{server.server_port}", catalogue=catalogue)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        feeds.stop()
        catalogue.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, launched by its path through Playwright (no browser download)."""
    path = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from npm by ``npm ci`` in tests/browser (``make test`` runs it)."""
    if not AXE.is_file():
        unavailable(f"axe-core is not installed: run `npm ci` in {HERE.relative_to(REPO)}")
    return AXE.read_text(encoding="utf-8")


def _new_page(browser: Browser, viewport: dict[str, int], axe: str | None = None) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": viewport["width"], "height": viewport["height"]}, locale="en-GB")
    if axe is not None:
        # An init script runs in every document before its own scripts, and is not subject to the
        # page's Content-Security-Policy (which allows no script but our own).
        context.add_init_script(axe)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A fresh page at desktop width (its own context: no cookies from another test)."""
    yield from _new_page(browser, DESKTOP)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh page at phone width (390 × 844, an iPhone 12 to 15)."""
    yield from _new_page(browser, PHONE)


@pytest.fixture(params=["desktop", "phone"])
def any_width(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh page at desktop width, then at phone width."""
    yield from _new_page(browser, DESKTOP if request.param == "desktop" else PHONE)


@pytest.fixture
def audited(browser: Browser, axe_source: str) -> Iterator[Page]:
    """A fresh page at desktop width with axe-core loaded in every document it opens."""
    yield from _new_page(browser, DESKTOP, axe_source)
