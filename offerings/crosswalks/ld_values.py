"""JSON-LD values as schema.org publishers write them: prefixed terms, @graph, arrays, nodes, LangMaps.

Pure helpers shared by the schema.org crosswalk and the web extractor.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from offerings import vocab
from offerings.model import LangMap

__all__ = ["compact", "local_name", "types_of"]

_PREFIXES = (
    "https://schema.org/",
    "http://schema.org/",
    "https://www.schema.org/",
    "http://www.schema.org/",
    "schema:",
)
_TAG = re.compile(r"<[^>]{0,2000}>")


def local_name(term: str) -> str:
    """``https://schema.org/Course`` / ``schema:Course`` → ``Course``; other terms unchanged."""
    for prefix in _PREFIXES:
        if term.startswith(prefix):
            return term[len(prefix) :]
    return term


def compact(value: Any) -> Any:
    """``value`` with schema.org IRIs and ``schema:`` prefixes shortened in keys and ``@type``s."""
    if isinstance(value, list):
        return [compact(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key.startswith("@") else local_name(key)
        if name == "@type":
            item = [local_name(t) for t in item if isinstance(t, str)] if isinstance(item, list) else item
            item = local_name(item) if isinstance(item, str) else item
        else:
            item = compact(item)
        out.setdefault(name, item)
    return out


def types_of(node: Mapping[str, Any]) -> set[str]:
    """The local type names of a node."""
    value = node.get("@type")
    return {local_name(t) for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _clean(text: str) -> str:
    if "<" in text:
        text = _TAG.sub(" ", text)
    return " ".join(html.unescape(text).split())


def _text(value: Any) -> str | None:
    """The first usable text of a value (a string, ``{"@value"}``, or a node's ``name``)."""
    for item in _list(value):
        if isinstance(item, bool):
            continue
        if isinstance(item, (str, int, float)):
            text: str | None = _clean(str(item))
        elif isinstance(item, dict):
            text = _text(item["@value"] if "@value" in item else item.get("name"))
        else:
            text = None
        if text:
            return text
    return None


def _texts(value: Any) -> list[str]:
    return [t for t in (_text(v) for v in _list(value)) if t]


def _langmap(value: Any, lang: str) -> LangMap:
    out: LangMap = {}
    for item in _list(value):
        item_lang = lang
        if isinstance(item, dict) and "@value" in item:
            item_lang = vocab.language_code(item.get("@language")) or lang
        text = _text(item)
        if text:
            out.setdefault(item_lang, text)
    return out


def _url(value: Any, base: str | None) -> str | None:
    for item in _list(value):
        ref = item.get("@id") or item.get("url") if isinstance(item, dict) else item
        if isinstance(ref, dict):
            ref = ref.get("@id")
        if isinstance(ref, str) and ref.strip() in (".", "./") and base:
            return base  # publishers write "./" to mean this page, not its folder (schema.org eg-0333)
        if isinstance(ref, str) and ref.strip() and not ref.startswith("_:"):
            url = urljoin(base or "", ref.strip())
            if url.startswith(("http://", "https://")):
                return url
    return None


def _nodes(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


# ---- the crosswalk --------------------------------------------------------------------------------------
