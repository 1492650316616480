"""Search clusters for the contract tests: a real OpenSearch node on loopback, or a given one.

The OpenSearch node is started once per session by ``scripts/opensearch-test-node`` (from Maven
Central artifacts) under a lease of the session, and stopped when the last session holding one
ends (a node started by hand keeps running). A cluster that cannot
be had is a visible skip, or a failure when ``MICROCRED_REQUIRE_SERVICES`` is set (CI).
Every URL must be on loopback: tests send traffic to this machine only.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO
from tests.services import is_loopback, leased, unavailable

__all__ = ["NODE_SCRIPT", "elasticsearch_node", "opensearch_node"]

logger = logging.getLogger(__name__)

NODE_SCRIPT = REPO / "scripts" / "opensearch-test-node"
# A cold start downloads ~70 MB from Maven Central; a warm one takes seconds.
START_TIMEOUT = 900


def _given(variable: str) -> str | None:
    url = os.environ.get(variable, "").strip()
    if url and not is_loopback(urlsplit(url).hostname or ""):
        unavailable(f"{variable}={url} is not a loopback address; tests only talk to this machine")
    return url or None


def opensearch_node() -> Iterator[str]:
    """The URL of an OpenSearch node: ``OPENSEARCH_URL``, or the test node started for the session."""
    given = _given("OPENSEARCH_URL")
    if given:
        yield given
        return
    missing = [tool for tool in ("java", "mvn", "curl") if shutil.which(tool) is None]
    if missing:
        unavailable(f"cannot start the OpenSearch test node: {', '.join(missing)} not installed")
    yield from leased(NODE_SCRIPT, "the OpenSearch test node", START_TIMEOUT)


def elasticsearch_node() -> Iterator[str]:
    """The URL in ``ELASTICSEARCH_URL``; without it the elasticsearch engine is skipped."""
    given = _given("ELASTICSEARCH_URL")
    if not given:
        pytest.skip("ELASTICSEARCH_URL is not set: no Elasticsearch to test against")
    yield given
