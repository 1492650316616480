"""Browser tests: the UI in real Chromium (Playwright), by keyboard, at phone width, checked by axe-core."""
