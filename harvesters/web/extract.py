"""schema.org Course objects out of one HTML page: JSON-LD parsed block by block, microdata and RDFa via extruct.

Pure (no I/O), used by the crawl subprocess and by the probe. JSON-LD is parsed here, one
``<script type="application/ld+json">`` at a time, because extruct 0.18 drops every block of a page
when one is malformed (docs/harvesting.md §4.3). ``@graph`` and top-level arrays are flattened, nodes
are indexed by ``@id`` and references embedded, and keys are shortened to schema.org local names,
so microdata, RDFa and JSON-LD all come out in the one shape the schema.org crosswalk reads.
"""

from __future__ import annotations

import copy
import html
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from offerings.crosswalks.schema_org import compact, local_name, types_of

__all__ = ["PageMarkup", "extract_page", "jsonld_blocks"]

logger = logging.getLogger(__name__)

COURSE = "Course"
MAX_EMBED_DEPTH = 6  # references embedded deeper than this stay references (cycles, huge graphs)
_COMMENTS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_MICRODATA_HINT = re.compile(r"\bitemscope\b|\bitemtype\s*=", re.IGNORECASE)
_RDFA_HINT = re.compile(r"\b(?:typeof|vocab)\s*=", re.IGNORECASE)
# Elements a client-side application mounts into; an empty one is the mark of a JavaScript shell.
_MOUNT_IDS = {"root", "app", "__next", "__nuxt", "main-app", "application", "svelte", "gatsby-focus-wrapper"}
SHELL_TEXT_CHARS = 200


@dataclass(slots=True)
class PageMarkup:
    """What one page holds: its Course objects (normalised JSON-LD dicts) and why there are none."""

    courses: list[dict[str, Any]] = field(default_factory=list)
    syntax: str | None = None  # "json-ld", "microdata" or "rdfa": where the courses came from
    language: str | None = None  # <html lang>
    title: str | None = None
    errors: list[str] = field(default_factory=list)  # malformed blocks, extractor failures
    other_types: list[str] = field(default_factory=list)  # schema.org types seen that are not Course
    shell: bool = False  # looks like a client-rendered page with nothing in the served HTML

    def problem(self) -> str | None:
        """Why the page yielded no course, in words for the HEI; None when it did."""
        if self.courses:
            return None
        if self.shell:
            return "page looks client-rendered (an empty shell filled in by JavaScript): no course markup in its HTML"
        found = f" (found only {', '.join(sorted(set(self.other_types))[:5])})" if self.other_types else ""
        broken = f"; {'; '.join(self.errors[:3])}" if self.errors else ""
        return f"no schema.org Course markup{found}{broken}"


def extract_page(text: str, url: str) -> PageMarkup:
    """The Course objects of the HTML ``text`` served at ``url``.

    JSON-LD wins; microdata is read only when JSON-LD has no Course, and RDFa only when neither has
    one, so a page that repeats its course in two syntaxes does not yield it twice. Never raises
    for bad markup: problems are listed in :attr:`PageMarkup.errors`.
    """
    markup = PageMarkup()
    # lxml refuses str input that carries an XML declaration (XHTML pages do); the text is decoded already.
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        tree = lxml.html.fromstring(text) if text.strip() else None
    except (etree.ParserError, ValueError) as exc:
        markup.errors.append(f"HTML could not be parsed: {exc}")
        return markup
    if tree is None:
        markup.errors.append("page is empty")
        return markup
    markup.language = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip() or None
    markup.title = " ".join((tree.findtext(".//title") or "").split()) or None
    nodes, errors = jsonld_blocks(tree)
    markup.errors += errors
    for syntax, found in (("json-ld", nodes), ("microdata", None), ("rdfa", None)):
        if found is None:
            found = _extruct(syntax, text, url, markup)
        courses = courses_in(found, url)
        markup.other_types += [t for n in _walk(compact(found)) for t in types_of(n) if t != COURSE]
        if courses:
            markup.courses, markup.syntax = courses, syntax
            return markup
    markup.shell = looks_like_shell(tree)
    return markup


# ---- JSON-LD ---------------------------------------------------------------------------------------


def jsonld_blocks(tree: etree._Element) -> tuple[list[Any], list[str]]:
    """Every JSON-LD block of the page, parsed one by one; a malformed block is reported and skipped."""
    values: list[Any] = []
    errors: list[str] = []
    scripts = [
        s for s in tree.iter("script") if (s.get("type") or "").split(";")[0].strip().lower() == "application/ld+json"
    ]
    for number, script in enumerate(scripts, start=1):
        raw = script.text or ""
        if not raw.strip():
            continue
        try:
            values.append(_loads(raw))
        except ValueError as exc:
            errors.append(f"JSON-LD block {number} is not valid JSON ({exc})")
    return values, errors


def _loads(raw: str) -> Any:
    """``json.loads`` forgiving what publishers really write: HTML comments, CDATA, entities, a trailing ``;``."""
    try:
        return json.loads(raw, strict=False)
    except ValueError as first:
        cleaned = _COMMENTS.sub("", raw.strip()).strip().rstrip(";").strip()
        for candidate in (cleaned, html.unescape(cleaned)):
            try:
                return json.loads(candidate, strict=False)
            except ValueError:
                continue
        raise first


def courses_in(values: list[Any], base: str) -> list[dict[str, Any]]:
    """The Course nodes of parsed JSON-LD values, references embedded and keys compacted.

    ``@graph`` and arrays are flattened; a Course nested in another Course (``hasPart``) stays
    inside its parent; a Course listed in an ``ItemList`` is found where it is.
    """
    nodes = [compact(v) for v in values]
    index: dict[str, dict[str, Any]] = {}
    for node in _walk(nodes):
        ref = node.get("@id")
        if isinstance(ref, str) and len(node) > 1:
            index.setdefault(_absolute(ref, base), node)
    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    for node in _walk(nodes, stop_at=COURSE):
        if COURSE in types_of(node) and id(node) not in seen:
            seen.add(id(node))
            found.append(_embed(node, index, base, 0))
    # The same Course declared twice (e.g. in @graph and again by reference) is kept once.
    unique: dict[str, dict[str, Any]] = {}
    for course in found:
        unique.setdefault(json.dumps(course, sort_keys=True, ensure_ascii=False), course)
    return list(unique.values())


def _walk(value: Any, *, stop_at: str | None = None) -> list[dict[str, Any]]:
    """Every dict in ``value``, depth first; below a node of type ``stop_at`` nothing more is collected."""
    out: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            if stop_at is None or stop_at not in types_of(item):
                stack.extend(reversed([v for k, v in item.items() if k != "@context"]))
    return out


def _absolute(ref: str, base: str) -> str:
    return ref if ref.startswith("_:") else urljoin(base, ref)


def _embed(value: Any, index: dict[str, dict[str, Any]], base: str, depth: int) -> Any:
    """``value`` with ``{"@id": …}`` references replaced by the nodes they name (to a bounded depth)."""
    if isinstance(value, list):
        return [_embed(v, index, base, depth) for v in value]
    if not isinstance(value, dict):
        return value
    ref = value.get("@id")
    if isinstance(ref, str) and set(value) <= {"@id", "@type"} and depth < MAX_EMBED_DEPTH:
        target = index.get(_absolute(ref, base))
        if target is not None:
            value = target
    return {k: (v if k in ("@id", "@context") else _embed(v, index, base, depth + 1)) for k, v in value.items()}


# ---- microdata and RDFa (extruct) ----------------------------------------------------------------


def _extruct(syntax: str, text: str, url: str, markup: PageMarkup) -> list[Any]:
    """Microdata or RDFa items as compact JSON-LD-shaped dicts; [] when the page has none of that syntax."""
    hint = _MICRODATA_HINT if syntax == "microdata" else _RDFA_HINT
    if not hint.search(text):
        return []  # extruct (RDFa especially) is costly; skip pages that cannot hold the syntax
    try:
        # Imported here: extruct pulls in rdflib, which the parent process does not otherwise need.
        from extruct.rdfa import RDFaExtractor
        from extruct.utils import parse_html, parse_xmldom_html
        from extruct.w3cmicrodata import MicrodataExtractor

        if syntax == "microdata":
            items = MicrodataExtractor().extract_items(parse_html(text, "UTF-8"), base_url=url)
            return [_from_microdata(item, url) for item in items]
        nodes = list(RDFaExtractor().extract_items(parse_xmldom_html(text, "UTF-8"), base_url=url))
        return _from_rdfa(nodes)
    except Exception as exc:  # extruct raises whatever its parsers raise; one page must not stop a crawl
        logger.debug("%s extraction failed on %s", syntax, url, exc_info=True)
        markup.errors.append(f"{syntax} could not be read ({type(exc).__name__}: {exc})")
        return []


def _from_microdata(item: Any, base: str) -> Any:
    """extruct's ``{"type", "id", "properties"}`` item → a compact JSON-LD node."""
    if isinstance(item, list):
        return [_from_microdata(i, base) for i in item]
    if not isinstance(item, dict) or "properties" not in item:
        return item
    node: dict[str, Any] = {}
    kinds = item.get("type")
    if kinds:
        node["@type"] = [local_name(t) for t in kinds] if isinstance(kinds, list) else local_name(kinds)
    if item.get("id"):
        node["@id"] = urljoin(base, item["id"])
    for key, value in item["properties"].items():
        node.setdefault(local_name(key), _from_microdata(value, base))
    return node


def _from_rdfa(nodes: list[dict[str, Any]]) -> list[Any]:
    """pyRdfa's expanded JSON-LD (full IRIs, ``[{"@value"}]`` lists, blank nodes) → compact nested nodes."""
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}

    def convert(node: dict[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        ref = node.get("@id")
        if isinstance(ref, str) and not ref.startswith("_:"):
            out["@id"] = ref  # blank node ids change on every parse; keeping them would churn the content
        if node.get("@type"):
            out["@type"] = [local_name(t) for t in node["@type"]]
        for key, values in node.items():
            if key.startswith("@") or local_name(key) == key:
                continue  # not a schema.org property (e.g. rdfa:usesVocabulary)
            converted = [value_of(v, depth) for v in values]
            out[local_name(key)] = converted[0] if len(converted) == 1 else converted
        return out

    def value_of(value: dict[str, Any], depth: int) -> Any:
        if "@value" in value:
            return (
                {"@value": value["@value"], "@language": value["@language"]}
                if "@language" in value
                else value["@value"]
            )
        target = index.get(value.get("@id", ""))
        if target is not None and depth < MAX_EMBED_DEPTH:
            return convert(target, depth + 1)
        return {"@id": value["@id"]} if "@id" in value else value

    return [convert(n, 0) for n in nodes if n.get("@type")]


# ---- client-rendered shells -------------------------------------------------------------------------


def looks_like_shell(tree: lxml.html.HtmlElement) -> bool:
    """A page whose served HTML is an empty mount point plus scripts (React, Vue, Angular, Next …)."""
    body = tree.find(".//body")
    if body is None or not any(_executable(script) for script in tree.iter("script")):
        return False
    visible = copy.deepcopy(body)
    for element in list(visible.iter("script", "style", "noscript", "template")):
        element.drop_tree()
    text = " ".join(visible.text_content().split())
    if len(text) >= SHELL_TEXT_CHARS:
        return False
    mounts = [el for el in visible.iter() if isinstance(el.tag, str) and (el.get("id") or "") in _MOUNT_IDS]
    empty_mount = any(not el.text_content().strip() for el in mounts) or visible.find(".//app-root") is not None
    return empty_mount or len(text) < 40


def _executable(script: etree._Element) -> bool:
    """A script the browser runs (not JSON-LD or another data block)."""
    kind = (script.get("type") or "text/javascript").split(";")[0].strip().lower()
    return kind in ("text/javascript", "application/javascript", "module", "")
