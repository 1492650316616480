"""ELM v3 JSON-LD → Offering (docs/normalisation.md §3.3, JSON-LD names), and the graph splitter.

A record's payload is one ``LearningOpportunity`` node as JSON with the nodes it refers to embedded
(what :func:`split` makes of an ``@graph`` or a list of nodes). The mapping itself is shared with
the LOQ XML crosswalk in :mod:`offerings.crosswalks.elm_reader`. An issued credential (a
``VerifiableCredential``) describes a learner's achievement, not an offering, and is refused.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import Marks, as_list, base_offering, finish, json_payload
from offerings.crosswalks.elm_reader import MAX_DEPTH, read_opportunity, uri_of
from offerings.crosswalks.elm_reader import SHALLOW_RELATIONS as _SHALLOW
from offerings.crosswalks.mining import from_text
from offerings.errors import CrosswalkError
from offerings.model import Offering

__all__ = ["find_opportunities", "is_opportunity", "shapes_node", "split", "to_offering", "types_of"]


def types_of(node: dict[str, Any]) -> list[str]:
    """The local type names of a node (``"elm:LearningOpportunity"`` and full IRIs shortened)."""
    names = as_list(node.get("type")) + as_list(node.get("@type"))
    return [str(t).rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1] for t in names]


def is_opportunity(node: Any) -> bool:
    """Whether ``node`` is an ELM LearningOpportunity."""
    return isinstance(node, dict) and "LearningOpportunity" in types_of(node)


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _index(document: Any) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for node in _walk(document):
        key = uri_of(node)
        # Keep the fullest description of a node: a bare {"id": …} reference must not hide the node.
        if key and len(node) > len(index.get(key, {})):
            index[key] = node
    return index


def _embed(value: Any, index: dict[str, dict[str, Any]], path: frozenset[str], depth: int, key: str = "") -> Any:
    if isinstance(value, str) and key not in ("id", "@id", "type", "@type") and value in index:
        value = index[value]
    if isinstance(value, list):
        return [_embed(v, index, path, depth, key) for v in value]
    if not isinstance(value, dict):
        return value
    ident = uri_of(value)
    if ident and ident in index and len(index[ident]) > len(value):
        value = index[ident]
    if key in _SHALLOW or (ident and ident in path) or depth > MAX_DEPTH:
        return {k: v for k, v in value.items() if k in ("id", "@id", "type", "@type", "title")}
    inner = path | {ident} if ident else path
    return {k: _embed(v, index, inner, depth + 1, k) for k, v in value.items()}


def find_opportunities(document: Any) -> list[dict[str, Any]]:
    """Every LearningOpportunity of a JSON-LD document, with the nodes it refers to embedded."""
    index = _index(document)
    found, seen = [], set()
    for node in _walk(document):
        ident = uri_of(node)
        if is_opportunity(node) and ident not in seen and len(node) > 2:
            seen.add(ident)
            found.append(_embed(copy.deepcopy(node), index, frozenset(), 0))
    return found


def split(document: Any) -> Iterator[SourceRecord]:
    """One record per LearningOpportunity of an ELM JSON-LD document (identifier: its ``id``)."""
    context = document.get("@context") if isinstance(document, dict) else None
    for node in find_opportunities(document):
        ident = uri_of(node)
        if not ident:
            continue
        payload = {"@context": context, **node} if context and "@context" not in node else node
        yield SourceRecord(identifier=ident, payload=json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def shapes_node(record: SourceRecord) -> dict[str, Any]:
    """The record's LearningOpportunity node, the nodes it refers to embedded: what :func:`to_offering`
    reads, and what :mod:`offerings.quality.shacl` checks against the LOQ shapes.

    Raises:
        CrosswalkError: not JSON, an issued credential, or no LearningOpportunity.
    """
    document = json_payload(record)
    if isinstance(document, dict) and "VerifiableCredential" in types_of(document):
        raise CrosswalkError("an issued credential, not a learning opportunity", field="type")
    candidates = [document] if is_opportunity(document) else find_opportunities(document)
    node = next((n for n in candidates if uri_of(n) == record.identifier), candidates[0] if candidates else None)
    if node is None:
        raise CrosswalkError("no LearningOpportunity in the record", field="type")
    return node


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one ELM LearningOpportunity given as JSON-LD.

    Raises:
        CrosswalkError: not JSON, an issued credential, no LearningOpportunity, or no title.
    """
    offering = base_offering(record, context, "elm_jsonld")
    if record.deleted:
        return offering
    node = shapes_node(record)
    marks = Marks()
    read_opportunity(node, offering, marks)
    if not offering.title:
        raise CrosswalkError("learning opportunity has no title", field="title")
    finish(offering, marks, context)
    # The structured properties first; what they leave empty the description may state (issue 14).
    language = next(iter(offering.languages_of_instruction), None) or next(iter(offering.description), None)
    from_text(offering, " \n".join(offering.description.values()), "description", language)
    return offering
