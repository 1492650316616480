"""The engine's view of its search client: every call's exceptions become ours, here and nowhere else.

:class:`TranslatingClient` wraps an ``elasticsearch`` or ``opensearch-py`` client (and its namespaces, such
as ``client.indices``): a call the engine makes through it raises :class:`IndexMissing` for a 404,
:class:`~offerings.errors.BackendUnavailable` when the cluster cannot answer now, and
:class:`~offerings.errors.SearchError` when it refused. :func:`translate` is the same rule for the calls the
client library's helpers make (bulk, scan), which need the raw client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from offerings.errors import BackendUnavailable, SearchError

__all__ = ["IndexMissing", "TranslatingClient", "translate"]

# HTTP statuses that mean "not now" rather than "no": the sync loop catches up later.
UNAVAILABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# For an exception of the client: None if it is not one, 0 for "unreachable", else its HTTP status.
Classify = Callable[[BaseException], int | None]


_PLAIN = (str, bytes, int, float, bool, type(None), list, tuple, dict, set, frozenset)


class IndexMissing(SearchError):
    """The index, alias or document a call named does not exist (HTTP 404)."""


def translate(exc: BaseException, classify: Classify, where: str, action: str) -> BaseException | None:
    """Our exception for a client exception ``exc`` (None when ``exc`` is not the client's)."""
    status = classify(exc)
    if status is None:
        return None
    if status == 404:
        return IndexMissing(f"{where}: {action}: not found: {exc}")
    if status == 0 or status in UNAVAILABLE_STATUSES:
        return BackendUnavailable(f"{where} is unavailable ({action}): {exc}")
    return SearchError(f"{where} refused {action}: {exc}")


class TranslatingClient:
    """A client (or one of its namespaces) whose every method raises only our exceptions."""

    def __init__(self, raw: Any, classify: Classify, where: str, path: str = "") -> None:
        self.raw = raw
        self._classify = classify
        self._where = where
        self._path = path

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.raw, name)
        path = f"{self._path}.{name}" if self._path else name
        if isinstance(target, _PLAIN):
            return target
        if not callable(target):  # a namespace of the client, such as ``client.indices``
            return TranslatingClient(target, self._classify, self._where, path)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return target(*args, **kwargs)
            except Exception as exc:
                ours = translate(exc, self._classify, self._where, path)
                if ours is None:
                    raise
                raise ours from exc

        return call
