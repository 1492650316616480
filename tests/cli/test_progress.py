"""Progress of the long commands, read from their real output (``microcred`` in a process of its own, against
demo feeds served on loopback): ``harvest`` counts records and pages per source as they arrive, with the rate,
and with the share and the time left when the feed announces completeListSize; ``index --rebuild`` counts
documents against the store's count. And ``MICROCRED_LOG_FORMAT=json`` makes stderr one JSON object a line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer, make_app, serve
from tests.harvesters.conftest import NL, feeds  # noqa: F401 - fixtures

MICROCRED = str(Path(sys.executable).parent / "microcred")
TOKEN = re.compile(rb"<resumptionToken(?=[\s>/])")


class Announcing:
    """The demo feeds, whose resumption tokens announce completeListSize (the demo's own do not)."""

    def __init__(self, providers: dict[str, Provider], size: int) -> None:
        self.app, self.size = make_app(providers), size

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer: list[Any] = []
        body = b"".join(self.app(environ, lambda status, headers, *rest: answer.extend((status, headers))))
        body = TOKEN.sub(f'<resumptionToken completeListSize="{self.size}"'.encode(), body)
        headers = [(k, v) for k, v in answer[1] if k.lower() != "content-length"]
        start_response(answer[0], [*headers, ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def announcing(feeds: dict[str, Provider]) -> Iterator[FeedServer]:  # noqa: F811
    server = serve(Announcing(feeds, 24), host="127.0.0.1", port=0)
    yield server
    server.stop()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROCRED_", "TQDM_"))}
    # Every update written (not only one per 0.1 s), so the test reads each page's count.
    return (
        env
        | {
            "MICROCRED_DATA_DIR": str(tmp_path / "var"),
            "MICROCRED_ALLOW_PRIVATE_FEEDS": "true",
            "TQDM_MININTERVAL": "0",
            "TQDM_MINITERS": "1",
        }
        | extra
    )


def _microcred(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([MICROCRED, *args], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return done


def _updates(stderr: str, label: str) -> list[str]:
    """The bar's successive states for ``label`` (tqdm separates them with carriage returns or newlines)."""
    return [part.strip() for part in re.split(r"[\r\n]", stderr) if part.strip().startswith(f"{label}:")]


def test_harvest_counts_records_and_pages_as_they_arrive_and_rebuild_counts_documents(
    tmp_path: Path, announcing: FeedServer
) -> None:
    env = _env(tmp_path)
    _microcred(env, "sources", "add", announcing.url_for(NL))
    done = _microcred(env, "harvest", NL)
    assert f"{NL}: success — seen 24" in done.stdout and "pages 3" in done.stdout
    states = _updates(done.stderr, NL)
    # One state a page, 10 records each (the demo's page size), against the announced 24, with a rate and the
    # time left; the last says all 24 in 3 pages.
    for seen, pages in ((10, 1), (20, 2), (24, 3)):
        matching = [
            s for s in states if re.search(rf"\| {seen}/24 \[[\d:]+<[\d:?]+, +[\d.?]+ records/s, {pages} pages\]", s)
        ]
        assert matching, (seen, states)
    assert re.search(r"100%\|", states[-1]) and "24/24" in states[-1]

    rebuilt = _microcred(env, "index", "--rebuild")
    assert "rebuilt the sqlite index: 21 offerings" in rebuilt.stdout
    label = "rebuilding the sqlite index"
    counts = [int(m.group(1)) for s in _updates(rebuilt.stderr, label) if (m := re.search(r"\| (\d+)/21 \[", s))]
    assert counts[-1] == 21 and len(set(counts)) > 2  # counted as documents went in, not once at the end
    assert re.search(r"documents/s\]", _updates(rebuilt.stderr, label)[-1])


def test_without_complete_list_size_the_count_and_rate_still_show(
    tmp_path: Path,
    feeds: dict[str, Provider],  # noqa: F811
) -> None:
    server = serve(feeds, host="127.0.0.1", port=0)
    try:
        env = _env(tmp_path)
        _microcred(env, "sources", "add", server.url_for(NL))
        states = _updates(_microcred(env, "harvest", NL).stderr, NL)
    finally:
        server.stop()
    for seen, pages in ((10, 1), (20, 2), (24, 3)):
        assert any(re.search(rf": {seen} records \[[\d:]+, +[\d.?]+ records/s, {pages} pages\]", s) for s in states), (
            seen,
            states,
        )
    assert not any("%|" in s for s in states)  # no share without a total


def test_json_logs_on_request(tmp_path: Path, feeds: dict[str, Provider]) -> None:  # noqa: F811
    server = serve(feeds, host="127.0.0.1", port=0)
    try:
        env = _env(tmp_path, MICROCRED_LOG_FORMAT="json")
        _microcred(env, "sources", "add", server.url_for(NL))
        done = _microcred(env, "harvest", NL)
    finally:
        server.stop()
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines, done.stderr
    records = [json.loads(line) for line in lines]  # every line is one JSON object: no progress bar in between
    ran = [r for r in records if r["logger"] == "harvesters.runner"]
    assert ran and ran[0]["level"] == "INFO" and "seen 24" in ran[0]["message"] and ran[0]["time"]


def test_an_unknown_log_format_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [MICROCRED, "sources", "list"],
        env=_env(tmp_path, MICROCRED_LOG_FORMAT="xml"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "log_format must be text or json" in done.stderr and "Traceback" not in done.stderr
