"""The scale search engines: Elasticsearch 8/9 (``elasticsearch``) and OpenSearch 2/3 (``opensearch-py``).

One module, two clients: :class:`ElasticEngine` and :class:`OpenSearchEngine` differ only in how
they connect and which exceptions their client raises. Mapping (``config/mappings/offering.json``),
queries and answers are shared (:mod:`indexer.elastic.query`), so both hold the same contract as
the SQLite engine.

Indices are versioned behind an alias (``settings.search_index``): :meth:`rebuild` builds
``<alias>-<timestamp>-<token>`` with no replicas and no refreshes, bulk-loads it, then moves the
alias in one atomic ``_aliases`` call and deletes the old index, so searches keep answering from
the old index until the new one is complete. The newest applied store change sequence
(``last_seq``) lives in the index's mapping ``_meta``, so it moves with the index: a rebuilt index
claims only the changes it was built from, and :mod:`indexer.sync` resumes from there after an
outage. Third-party exceptions are translated in one place, :mod:`indexer.elastic.client`:
unreachable (or overloaded) engine → :class:`BackendUnavailable`, anything else it refuses →
:class:`SearchError`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from indexer import document
from indexer.base import IndexReport, SearchPage, SearchQuery
from indexer.elastic import query as eq
from indexer.elastic.bulk import BulkLoader
from indexer.elastic.client import IndexMissing, TranslatingClient, translate
from indexer.elastic.index import AliasedIndex
from offerings.errors import BackendUnavailable, ConfigError, IndexingError, InvalidQuery, SearchError

if TYPE_CHECKING:
    from config import Settings

__all__ = ["ClusterEngine", "ElasticEngine", "OpenSearchEngine", "node_urls"]

logger = logging.getLogger(__name__)

# Connections kept per node: about the number of threads a web server answers searches with.
_POOL_SIZE = 16


def node_urls(url: str) -> list[str]:
    """The node URLs in ``search_url``: one, or several of one cluster comma-separated (blanks ignored)."""
    return [node.strip() for node in url.split(",") if node.strip()]


class ClusterEngine:
    """Elasticsearch/OpenSearch engine over the alias ``index``; subclasses supply the client.

    Args:
        url: the cluster, e.g. ``http://127.0.0.1:9200`` (credentials may be in the URL); several nodes
            of one cluster comma-separated, e.g. ``http://10.0.0.1:9200,http://10.0.0.2:9200``: a
            request a node cannot answer is retried on another, so searches survive a node's loss.
        index: the alias searches and writes go through.
        timeout: seconds per request.
        refresh: make every upsert and delete visible to searches before returning, as the SQLite
            engine's are (a sync writes batches, so this costs one refresh per batch).
        username, password: HTTP basic credentials for a cluster with security on (Elasticsearch's default);
            a password without a user name is the built-in ``elastic`` user's. Used instead of any in the URL.
    """

    name: ClassVar[str] = "cluster"
    # What the contract tests may expect beyond the common contract (Polish: client-side Snowball stems).
    capabilities: ClassVar[frozenset[str]] = frozenset({"stemming", "stemming:pl"})

    def __init__(
        self,
        url: str,
        *,
        index: str = "microcred-offerings",
        timeout: float = 30.0,
        refresh: bool = True,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        urls = node_urls(url)
        if not urls:
            raise ConfigError(f"the {self.name} engine needs search_url (MICROCRED_SEARCH_URL)")
        if not index or index != index.lower() or index.startswith(("_", "-", "+")):
            raise ConfigError(f"search_index {index!r} is not a valid index alias (lower case, no leading _ - +)")
        self.url = ",".join(eq.safe_url(node) for node in urls)
        self.alias = index
        self.refresh = refresh
        self._auth = (username or "elastic", password) if password else None
        self.raw_client = self._connect(url, timeout)
        # Every call the engine makes itself goes through this: client exceptions arrive as ours.
        self.client = TranslatingClient(self.raw_client, self._classify, f"{self.name} at {self.url}")
        self.indices = AliasedIndex(self.client, index)
        self._bulk = BulkLoader(self.raw_client, self._helpers, alias=index)
        self._written = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterEngine:
        """The engine at ``settings.search_url`` with the alias ``settings.search_index``.

        Raises:
            ConfigError: no URL, a bad alias, or the client library is not installed.
        """
        return cls(
            settings.search_url,
            index=settings.search_index,
            username=settings.search_username or None,
            password=settings.search_password or None,
        )

    # ---- the client seam ---------------------------------------------------------------------------

    def _connect(self, url: str, timeout: float) -> Any:
        """A client of the cluster at ``url``."""
        raise NotImplementedError

    @property
    def _helpers(self) -> Any:
        """The client library's ``helpers`` module (``streaming_bulk``, ``scan``)."""
        raise NotImplementedError

    def _classify(self, exc: BaseException) -> int | None:
        """For an exception of the client: None if it is not one, 0 for "unreachable", else its HTTP status."""
        raise NotImplementedError

    @contextmanager
    def _calling(self, action: str) -> Iterator[None]:
        """Calls of the client library's helpers (bulk, scan), which hold the raw client: their exceptions
        become ours by the rule of :func:`indexer.elastic.client.translate`, as every other call's do."""
        try:
            yield
        except Exception as exc:
            ours = translate(exc, self._classify, f"{self.name} at {self.url}", action)
            if ours is None:
                raise
            raise ours from exc

    def _wrote(self, index: str) -> None:
        written: set[str] = getattr(self._written, "indices", set())
        written.add(index)
        self._written.indices = written

    # ---- writing -----------------------------------------------------------------------------------

    def upsert(self, documents: Iterable[dict[str, Any]]) -> IndexReport:
        """Add or replace documents by ``id``; documents the engine refuses go to the report.

        Raises:
            BackendUnavailable: the engine cannot be reached.
        """
        with self._calling("upsert"):
            self._wrote(self.indices.ensure())
            # Through the alias, so a rebuild switching meanwhile cannot make us write to a deleted index.
            return self._bulk.load(documents, self.alias, refresh=self.refresh)

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; unknown ids are ignored. Returns how many were removed.

        Raises:
            BackendUnavailable: the engine cannot be reached.
            IndexingError: the engine refused to delete some documents (nothing is lost: the
                sync loop has not advanced and tries them again).
        """
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": doc_id} for doc_id in ids]
        if not actions:
            return 0
        removed, errors = 0, []
        with self._calling("delete"):
            self._wrote(self.indices.ensure())
            for ok, item in self._bulk.stream(actions, refresh=self.refresh):
                result = item.get("delete", {})
                if ok and result.get("result") == "deleted":
                    removed += 1
                elif not ok and result.get("status") != 404:
                    errors.append(eq.bulk_error(item))
        if errors:
            raise IndexingError(f"{self.name} refused {len(errors)} deletes", errors)
        return removed

    def last_seq(self) -> int:
        """The newest store change sequence applied to the index behind the alias (0 when none)."""
        with self._calling("last_seq"):
            return self.indices.last_seq()

    def set_last_seq(self, seq: int) -> None:
        """Record that every change up to ``seq`` is applied.

        When this thread's writes since its previous call went to an index that a rebuild has since
        replaced, the new index never received them: its sequence is left alone, and the next sync
        applies those changes again.
        """
        written: set[str] = getattr(self._written, "indices", set())
        self._written.indices = set()
        with self._calling("set_last_seq"):
            index = self.indices.ensure()
            if written - {index}:
                logger.info("search index was rebuilt during a sync; not advancing last_seq to %d", seq)
                return
            try:
                self.indices.set_last_seq(index, seq)
            except IndexMissing:
                # A rebuild replaced the index just now; the next sync applies these changes again.
                logger.info("search index %s was replaced; not advancing last_seq to %d", index, seq)

    # ---- rebuilding --------------------------------------------------------------------------------

    def rebuild(self, documents: Iterable[dict[str, Any]], *, last_seq: int) -> IndexReport:
        """Build a new index from ``documents``, move the alias to it atomically, delete the old one.

        Searches keep answering from the old index throughout. If anything fails the new index is
        deleted and the old one stays in use.

        Raises:
            BackendUnavailable: the engine cannot be reached.
        """
        started = time.monotonic()
        name = self.indices.new_name()
        with self._calling("rebuild"):
            self.indices.create(name, last_seq=last_seq, building=True)
            try:
                report = self._bulk.build(documents, name)
                self.indices.open_up(name)
                old = self.indices.swap(name)
            except BaseException:
                self.indices.drop(name)
                raise
            for index in old:
                self.indices.drop(index)
        logger.info(
            "search index rebuilt: %d documents, %d refused, index %s, %.1fs",
            report.indexed,
            len(report.errors),
            name,
            time.monotonic() - started,
        )
        return report

    # ---- reading -----------------------------------------------------------------------------------

    def _search(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """A search through the alias, or None when no index exists yet.

        A search that lands on the index a rebuild has just deleted is tried once more: by then the
        alias names the new one.
        """
        for attempt in (1, 2):
            try:
                return dict(self.client.search(index=self.alias, body=body))
            except IndexMissing:
                if attempt == 2 or self.indices.current() is None:
                    return None
        return None  # pragma: no cover - the loop always returns

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search: one page of results, the total, and disjunctive facet counts.

        Raises:
            InvalidQuery: a parameter the engine cannot use (named in the error).
            BackendUnavailable: the engine cannot be reached.
        """
        document.validate(query)
        today = date.today().isoformat()
        offset = (query.page - 1) * query.size
        size = max(0, min(query.size, eq.MAX_WINDOW - offset))
        with self._calling("search"):
            response = self._search(eq.search_body(query, today=today, offset=min(offset, eq.MAX_WINDOW), size=size))
        if response is None:
            return eq.empty_page(query)
        page = eq.page_from(response, query, with_results=offset < eq.MAX_WINDOW)
        if offset >= eq.MAX_WINDOW and offset < page.total:
            raise InvalidQuery("page", f"results past the first {eq.MAX_WINDOW:,} cannot be paged to; search narrower")
        if page.total == 0:
            page.did_you_mean = self._did_you_mean(query, today)
        return page

    def _did_you_mean(self, query: SearchQuery, today: str) -> str | None:
        """A corrected text of ``query`` that has hits under the same filters, or None.

        A spelling aid never fails the search it helps: whatever goes wrong is logged and gives None.
        """
        body = eq.spelling_body(query.q)
        if body is None:
            return None
        try:
            with self._calling("spelling suggestion"):
                suggested = self._search(body) or {}
                words = sorted({word for word, _replacement in eq.corrections_from(suggested).values()})
                if not words:
                    return None
                known = eq.known_from(self._search(eq.known_body(words)) or {}, words)
                corrected = eq.corrected_from(suggested, query.q, known=known)
                if corrected is None:
                    return None
                trial = replace(query, q=corrected, facets=(), page=1)
                found = self._search(eq.search_body(trial, today=today, offset=0, size=0))
        except (BackendUnavailable, SearchError, KeyError, TypeError, ValueError) as exc:
            logger.warning("no spelling correction for %r: %s", query.q, exc)
            return None
        return corrected if found is not None and eq.page_from(found, trial).total > 0 else None

    def suggest(self, prefix: str, *, size: int = 10) -> list[dict[str, str]]:
        """Completions of ``prefix`` (diacritics and case ignored) over titles, providers and skills.

        Whole-text matches come before matches of a later word, then the most common texts.
        """
        body = eq.suggest_body(prefix, size)
        if body is None:
            return []
        with self._calling("suggest"):
            response = self._search(body)
        return eq.suggestions_from(response or {}, size)

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """One indexed document exactly as it was indexed (internal keys included), or None."""
        with self._calling("get"):
            try:
                found = self.client.get(index=self.alias, id=doc_id)
            except IndexMissing:
                return None
        source: dict[str, Any] = dict(found["_source"])
        return source

    def iter_indexed(self) -> Iterator[tuple[str, int]]:
        """``(id, seq)`` of every indexed document: for :func:`indexer.sync.verify`."""
        if self.count() == 0:
            return
        with self._calling("scan"):
            for hit in self._helpers.scan(
                self.raw_client, index=self.alias, query={"query": {"match_all": {}}, "_source": ["seq"]}, size=1000
            ):
                yield hit["_id"], int(hit["_source"].get("seq") or 0)

    def count(self) -> int:
        """How many documents the index behind the alias holds."""
        with self._calling("count"):
            try:
                return int(self.client.count(index=self.alias)["count"])
            except IndexMissing:
                return 0

    def health(self) -> dict[str, Any]:
        """Reachability, cluster status and size, for /healthz.

        Raises:
            BackendUnavailable: the engine cannot be reached.
        """
        with self._calling("health"):
            cluster = dict(self.client.cluster.health())
            index = self.indices.current()
        return {
            "engine": self.name,
            "ok": cluster.get("status") in ("green", "yellow"),
            "cluster_status": cluster.get("status"),
            "documents": self.count(),
            "last_seq": self.last_seq(),
            "index": index,
            "alias": self.alias,
            "url": self.url,
        }

    def close(self) -> None:
        """Release the client's connections."""
        self.client.close()


class OpenSearchEngine(ClusterEngine):
    """OpenSearch 2/3 through ``opensearch-py`` (``pip install microcred[opensearch]``)."""

    name = "opensearch"

    def _connect(self, url: str, timeout: float) -> Any:
        try:
            from opensearchpy import OpenSearch
        except ImportError as exc:
            raise ConfigError("the opensearch engine needs opensearch-py: pip install 'microcred[opensearch]'") from exc
        hosts = node_urls(url)
        # One retry per node: an unreachable engine should say so quickly (the sync loop catches up
        # later), yet a request a dead or failing node drops (connection error, 502/503/504) must
        # reach every other node. Timeouts are not retried: a slow query would only run again.
        # pool_maxsize: the web server answers searches from several threads at once; with
        # urllib3's default of one kept connection per node every concurrent search beyond the
        # first opened (and dropped) a new connection.
        return OpenSearch(
            hosts=hosts,
            timeout=timeout,
            max_retries=len(hosts),
            retry_on_timeout=False,
            retry_on_status=(502, 503, 504),
            pool_maxsize=_POOL_SIZE,
            http_auth=self._auth,
        )

    @property
    def _helpers(self) -> Any:
        from opensearchpy import helpers

        return helpers

    def _classify(self, exc: BaseException) -> int | None:
        from opensearchpy import exceptions

        if isinstance(exc, exceptions.ConnectionError):  # timeouts and TLS failures included
            return 0
        if isinstance(exc, exceptions.TransportError):
            return exc.status_code if isinstance(exc.status_code, int) else 0
        if isinstance(exc, exceptions.OpenSearchException):
            return 500
        return None


class ElasticEngine(ClusterEngine):
    """Elasticsearch 8/9 through the official ``elasticsearch`` client (its major version matching the server's)."""

    name = "elasticsearch"

    def _connect(self, url: str, timeout: float) -> Any:
        try:
            from elasticsearch import Elasticsearch
        except ImportError as exc:
            raise ConfigError(
                "the elasticsearch engine needs the elasticsearch client: pip install 'microcred[elasticsearch]'"
            ) from exc
        hosts = node_urls(url)
        # As for OpenSearch: one retry per node, on connection errors and 429/502/503/504 (the client's default).
        return Elasticsearch(
            hosts=hosts,
            request_timeout=timeout,
            max_retries=len(hosts),
            retry_on_timeout=False,
            retry_on_status=(429, 502, 503, 504),
            basic_auth=self._auth,
        )

    @property
    def _helpers(self) -> Any:
        from elasticsearch import helpers

        return helpers

    def _classify(self, exc: BaseException) -> int | None:
        import elastic_transport
        from elasticsearch import ApiError

        if isinstance(exc, (elastic_transport.ConnectionError, elastic_transport.ConnectionTimeout)):
            return 0
        if isinstance(exc, ApiError):
            return int(exc.meta.status)
        if isinstance(exc, elastic_transport.TransportError):
            return 500
        return None
