"""A recorded OAI-PMH feed replayed from memory, so that benchmarks time the harvester, not the server.

The ``oaipmh`` provider rebuilds its list for every page; timing a client against it would mostly
time the server. :func:`record_feed` walks a provider once and keeps every response; :func:`replay_app`
serves them by request (``verb`` + ``resumptionToken`` or first-page arguments).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from microcred.demo.provider import Provider

__all__ = ["record_feed", "replay_app"]

_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def _key(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(params.items()))


def record_feed(provider: Provider, base_url: str) -> dict[tuple[tuple[str, str], ...], bytes]:
    """Every response a full oai_dc harvest of ``provider`` asks for, keyed by request arguments."""
    responses: dict[tuple[tuple[str, str], ...], bytes] = {}
    for verb in ("Identify", "ListMetadataFormats"):
        responses[_key({"verb": verb})] = provider.answer({"verb": verb}, base_url=base_url)
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        body = provider.answer(params, base_url=base_url)
        responses[_key(params)] = body
        match = _TOKEN.search(body)
        if not match:
            return responses
        token = match.group(1).decode().replace("&amp;", "&")
        params = {"verb": "ListRecords", "resumptionToken": token}


def replay_app(
    responses: dict[tuple[tuple[str, str], ...], bytes], *, latency: float = 0.0
) -> Callable[..., Iterable[bytes]]:
    """A WSGI app answering recorded requests (404 for anything else), each ``latency`` seconds after
    it arrives: a live repository spends time building every page, the recording does not."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if latency:
            time.sleep(latency)
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        body = responses.get(_key(query))
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not recorded"]
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return app
