"""ELM v3 LOQ XML → Offering (docs/normalisation.md §3.3), and the LOQ document splitter.

LOQ XML keeps every entity in a ``*References`` section and links them by ``idref``. :func:`split`
cuts a whole LOQ file into one self-contained document per ``learningOpportunity`` (the
opportunity plus every entity it reaches); :func:`to_offering` turns the XML into the nested shape of
ELM JSON-LD (``uri`` → ``id``, ``language`` attributes → language maps, ``idref`` → the entity) and
hands it to :mod:`offerings.crosswalks.elm_reader`, the mapping both ELM crosswalks share.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import Marks, base_offering, finish, xml_payload
from offerings.crosswalks.elm_reader import MAX_DEPTH, read_opportunity
from offerings.crosswalks.elm_reader import SHALLOW_RELATIONS as _SHALLOW
from offerings.crosswalks.mining import from_text
from offerings.errors import CrosswalkError
from offerings.model import Offering

__all__ = ["NS", "shapes_node", "split", "to_node", "to_offering"]

NS = "http://data.europa.eu/snb/model/ap/loq-constraints/"
# XML element names that ELM JSON-LD spells differently.
_RENAME = {
    "type": "dcType",
    "ISCEDFCode": "thematicArea",
    "EQFLevel": "eqfLevel",
    "NQFLevel": "nqfLevel",
    "contentUrl": "contentURL",
}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _index(root: etree._Element) -> dict[str, etree._Element]:
    return {ident: e for section in root for e in section if isinstance(e.tag, str) and (ident := e.get("id"))}


def _relation(element: etree._Element) -> str:
    parent = element.getparent()
    name = _local(element)
    if parent is not None and _local(parent) == "awardingOpportunity" and name == "learningAchievementSpecification":
        return f"{name}@awardingOpportunity"
    return name


def _closure(start: etree._Element, index: dict[str, etree._Element]) -> list[str]:
    """Ids of the entities ``start`` reaches through ``idref`` (shallow relations: the target only)."""
    found = [start.get("id")]
    queue = [start]
    while queue:
        element = queue.pop()
        for ref in element.iter():
            target_id = ref.get("idref") if isinstance(ref.tag, str) else None
            if not target_id or target_id in found or target_id not in index:
                continue
            found.append(target_id)
            if _relation(ref) not in _SHALLOW:
                queue.append(index[target_id])
    return [f for f in found if f]


def split(root: etree._Element) -> Iterator[SourceRecord]:
    """One self-contained LOQ document per ``learningOpportunity`` (identifier: its ``id``)."""
    index = _index(root)
    for opportunity in root.iterfind(f"{{{NS}}}learningOpportunityReferences/{{{NS}}}learningOpportunity"):
        ident = opportunity.get("id")
        if not ident:
            continue
        keep = set(_closure(opportunity, index))
        shell = etree.Element(root.tag, nsmap=root.nsmap, attrib=dict(root.attrib))
        for section in root:
            if not isinstance(section.tag, str):
                continue
            members = [e for e in section if isinstance(e.tag, str) and e.get("id") in keep]
            if members:
                copy_section = etree.SubElement(shell, section.tag)
                copy_section.extend(etree.fromstring(etree.tostring(e)) for e in members)
        yield SourceRecord(identifier=ident, payload=etree.tostring(shell, encoding="utf-8", xml_declaration=True))


def to_node(element: etree._Element, index: dict[str, etree._Element], path: frozenset[str] = frozenset()) -> Any:
    """An LOQ element as ELM JSON-LD-shaped data: dicts, lists, language maps and strings."""
    node: dict[str, Any] = {}
    if element.get("id"):
        node["id"] = element.get("id")
    if element.get("uri"):
        node["id"] = element.get("uri")
    for child in element:
        if not isinstance(child.tag, str):
            continue
        key = _RENAME.get(_local(child), _local(child))
        if child.get("language") is not None and len(child) == 0:
            node.setdefault(key, {})
            if isinstance(node[key], dict):
                node[key].setdefault(child.get("language"), (child.text or "").strip())
            continue
        value = _value(child, index, path)
        if key in node:
            node[key] = [*node[key], value] if isinstance(node[key], list) else [node[key], value]
        else:
            node[key] = value
    if not node and element.text and element.text.strip():
        return element.text.strip()
    return node


def _value(child: etree._Element, index: dict[str, etree._Element], path: frozenset[str]) -> Any:
    ref = child.get("idref")
    if ref is None:
        return to_node(child, index, path)
    target = index.get(ref)
    if target is None:
        return {"id": ref}
    if _relation(child) in _SHALLOW or ref in path or len(path) >= MAX_DEPTH:
        titles = {e.get("language") or "und": (e.text or "").strip() for e in target.iterfind(f"{{{NS}}}title")}
        return {"id": ref, "title": titles} if titles else {"id": ref}
    return to_node(target, index, path | {ref})


def shapes_node(record: SourceRecord) -> dict[str, Any]:
    """The record's learning opportunity in the nested shape of ELM JSON-LD (:func:`to_node`): what
    :func:`to_offering` reads, and what :mod:`offerings.quality.shacl` checks against the LOQ shapes.

    Raises:
        CrosswalkError: not LOQ XML, or no learning opportunity.
    """
    root = xml_payload(record)
    if etree.QName(root).namespace != NS:
        raise CrosswalkError(f"not an ELM LOQ document (root {etree.QName(root).text})", field="metadata")
    index = _index(root)
    opportunities = root.findall(f"{{{NS}}}learningOpportunityReferences/{{{NS}}}learningOpportunity")
    fallback = opportunities[0] if opportunities else None
    chosen = next((o for o in opportunities if o.get("id") == record.identifier), fallback)
    if chosen is None:
        raise CrosswalkError("no learningOpportunity in the record", field="learningOpportunity")
    node = to_node(chosen, index, frozenset({chosen.get("id") or ""}))
    return node if isinstance(node, dict) else {}


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one ELM learning opportunity from LOQ XML.

    Raises:
        CrosswalkError: not LOQ XML, no learning opportunity, or no title.
    """
    offering = base_offering(record, context, "elm_loq_xml")
    if record.deleted:
        return offering
    marks = Marks()
    read_opportunity(shapes_node(record), offering, marks)
    if not offering.title:
        raise CrosswalkError("learning opportunity has no title", field="title")
    finish(offering, marks, context)
    # As for ELM JSON-LD: what the structured elements leave empty the description may state (issue 14),
    # each value marked parsed (or inferred, for a national credit unit) with "description" as its path.
    language = next(iter(offering.languages_of_instruction), None) or next(iter(offering.description), None)
    from_text(offering, " \n".join(offering.description.values()), "description", language)
    return offering
