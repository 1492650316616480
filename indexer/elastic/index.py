"""The versioned indices behind one alias, for :mod:`indexer.elastic`: which one is current,
creating, opening up after a build, the atomic alias swap, dropping, and ``last_seq`` in ``_meta``.

Indices are named ``<alias>-<UTC timestamp>-<token>``. The alias names exactly one of them; the
newest applied store change sequence lives in that index's mapping ``_meta``, so it moves with the
index and a rebuilt index claims only the changes it was built from. The client is the engine's
:class:`~indexer.elastic.client.TranslatingClient`: its exceptions arrive here as ours.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from indexer.elastic import query as eq
from indexer.elastic.client import IndexMissing, TranslatingClient

__all__ = ["AliasedIndex"]

logger = logging.getLogger(__name__)


class AliasedIndex:
    """The indices of ``alias`` on the cluster ``client`` talks to.

    Args:
        client: an ``elasticsearch`` or ``opensearch-py`` client (their index APIs agree), translating.
        alias: the alias searches and writes go through.
    """

    def __init__(self, client: TranslatingClient, alias: str) -> None:
        self.client = client
        self.alias = alias

    def new_name(self) -> str:
        """A fresh, unique, sortable index name in the alias's family."""
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"

    def aliased(self) -> list[str]:
        """The concrete indices the alias names (one, or none before the first write)."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except IndexMissing:
            return []

    def current(self) -> str | None:
        """The concrete index the alias names, or None when there is none yet."""
        found = self.aliased()
        return found[-1] if found else None

    def create(self, name: str, *, last_seq: int, building: bool) -> None:
        """Create index ``name`` from the mapping file.

        A *building* index gets no replicas and no refreshes (nobody searches it until the alias
        moves) and no alias; otherwise the alias is attached at once.
        """
        body = eq.mapping()
        body["mappings"]["_meta"]["last_seq"] = int(last_seq)
        if building:
            body["settings"]["index"].update(
                {
                    "auto_expand_replicas": False,
                    "number_of_replicas": 0,
                    "refresh_interval": "-1",
                    # A failed build is thrown away and started again: no fsync per bulk request.
                    "translog": {"durability": "async"},
                }
            )
        else:
            body["aliases"] = {self.alias: {}}
        self.client.indices.create(index=name, body=body)

    def ensure(self) -> str:
        """The concrete index behind the alias, created (empty, aliased) when there is none."""
        current = self.current()
        if current is not None:
            return current
        name = self.new_name()
        try:
            self.create(name, last_seq=0, building=False)
            logger.info("created search index %s behind alias %s", name, self.alias)
        except Exception as exc:
            # Another process may have created it first; then the alias exists now.
            current = self.current()
            if current is None:
                raise
            logger.debug("index creation lost a race (%s); using %s", exc, current)
            self.drop(name)
            return current
        return name

    def open_up(self, name: str) -> None:
        """Give a built index the mapping file's replicas and the default refresh interval, and refresh it."""
        replicas = eq.mapping()["settings"]["index"]["auto_expand_replicas"]
        self.client.indices.put_settings(
            index=name,
            body={"index": {"refresh_interval": None, "auto_expand_replicas": replicas, "translog.durability": None}},
        )
        self.client.indices.refresh(index=name)

    def swap(self, name: str) -> list[str]:
        """Point the alias at ``name`` instead of its current indices, in one atomic call; returns those."""
        old = self.aliased()
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": self.alias}} for index in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        return old

    def drop(self, index: str) -> None:
        """Delete an index, best effort: a leftover is logged, never fatal."""
        try:
            self.client.indices.delete(index=index)
        except IndexMissing:
            pass
        except Exception as exc:
            logger.warning("could not delete search index %s: %s", index, exc)

    def last_seq(self) -> int:
        """The ``last_seq`` recorded in the current index (0 when there is no index)."""
        try:
            found = self.client.indices.get_mapping(index=self.alias)
        except IndexMissing:
            return 0
        seqs = [int((m.get("mappings", {}).get("_meta") or {}).get("last_seq", 0)) for m in dict(found).values()]
        return min(seqs, default=0)

    def set_last_seq(self, index: str, seq: int) -> None:
        """Record ``seq`` in the ``_meta`` of ``index`` (the rest of ``_meta`` as the mapping file has it)."""
        meta = dict(eq.mapping()["mappings"]["_meta"], last_seq=int(seq))
        self.client.indices.put_mapping(index=index, body={"_meta": meta})
