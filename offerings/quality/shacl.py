"""ELM records checked against the Commission's LOQ SHACL shapes (docs/normalisation.md §4.3, issue 14).

An ELM record reaches this module as JSON-LD-shaped data: an ELM JSON-LD node as read or as exported
(:mod:`offerings.export.elm_jsonld`), or LOQ XML through :func:`offerings.crosswalks.elm_loq.to_node`.
:func:`to_graph` turns it into RDF using the shapes themselves as the vocabulary: every key of a node is the
local name of a property path of its class's shape (``title`` → ``dc:title``, ``dcType`` → ``dc:type``,
``creditPoint`` → ``elm:creditPoint``), a value is a literal of the datatype that property wants (a language
map for ``rdf:langString``) or a node, and a node without a ``type`` (every node of LOQ XML, whose element
names carry the type) takes the class its property requires. A key no shape knows becomes ``elm:<key>``, so
a closed shape reports it instead of the conversion hiding it. This needs no JSON-LD context: the ELM one
is a remote document, and a crosswalk or an export must not fetch anything.

:func:`violations` validates with pySHACL and gives each result as a :class:`Violation`; a bare reference
(``{"id": …}``: a node described elsewhere, such as a ``hasPart`` target) is typed for ``sh:class`` but
not judged itself. The shapes are parsed once per process (``lru_cache``); a validation costs about
70 ms of CPU, so the crosswalk registry runs it once per ELM record at normalise time only, and the last
results are remembered by the record's content (:func:`issues`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from offerings.quality.validation import Issue

__all__ = ["SHAPES_FILE", "Violation", "issues", "python_pattern", "shapes", "to_graph", "violations"]

logger = logging.getLogger(__name__)

SHAPES_FILE = "LOQ-constraints.ttl"
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
DC = Namespace("http://purl.org/dc/terms/")
# Keys that are JSON-LD keywords in ELM JSON-LD, not properties.
_IDENTITY = ("id", "@id")
_TYPE = ("type", "@type")
# ELM JSON-LD names that differ from the path's local name in the shapes (the LOQ XML names, which are the
# ontology's): ``type`` is rdf:type in JSON-LD, so dc:type is ``dcType``; the others are the JSON-LD context's
# spellings, the inverse of ``offerings.crosswalks.elm_loq._RENAME``.
_RENAMED = {
    "dcType": "type",
    "thematicArea": "ISCEDFCode",
    "eqfLevel": "EQFLevel",
    "nqfLevel": "NQFLevel",
    "contentURL": "contentUrl",
}
# Each node is described at most this deep: graphs a crosswalk embedded are bounded, this is a backstop.
_MAX_DEPTH = 24


class _IllTypedLiterals(logging.Filter):
    """rdflib logs a traceback for every literal whose text is no value of its datatype ("12.10.2027" as
    an xsd:dateTime); here that is a finding the shapes report (sh:datatype), not an error to log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiterals())


def _local(uri: Node) -> str:
    text = str(uri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class _Property:
    """One property shape of a class: its path, the datatype of its literals, the classes of its nodes."""

    path: URIRef
    datatype: URIRef | None
    classes: tuple[URIRef, ...]
    # The property's values are IRIs (sh:class, or sh:nodeKind sh:IRI): a string value is then a reference.
    iri: bool = False


@dataclass(frozen=True, slots=True)
class _Profile:
    """What :func:`to_graph` needs of the shapes: class names and, per class, its properties by key."""

    classes: dict[str, URIRef]
    properties: dict[URIRef, dict[str, _Property]]
    anywhere: dict[str, _Property]


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL result: the class of the node, the property (local name), the constraint and its message.

    ``message`` is pySHACL's text; :meth:`issue` leaves out everything record-specific, so a source's
    quality report can count the same violation across records.
    """

    focus_class: str
    path: str
    constraint: str
    message: str

    def issue(self) -> Issue:
        """The violation as a §4.1 warning (rule V25)."""
        field = f"{self.focus_class}.{self.path}" if self.path else self.focus_class
        return Issue("V25", field, f"LOQ shape: {self.constraint}")

    def __str__(self) -> str:
        return f"{self.focus_class}.{self.path}: {self.constraint} ({self.message})"


# The shapes' URL patterns are written for Java's regex engine (the Commission validates with Java tools);
# pySHACL compiles them with Python's ``re``, which refuses an inline flag after ``^`` and knows neither
# ``\p{…}`` classes nor Java's nested class unions. The same patterns, in Python's syntax: ``[[A-Fa-f0-9]\:\.]``
# is ``[A-Fa-f0-9:.]``, and ``[%[\p{L}\p{Nl}\p{Nd}]]`` is a percent sign, letter or digit.
_JAVA_PATTERNS = (
    ("^(?i)", "(?i)^"),
    ("[[A-Fa-f0-9]\\:\\.]", "[A-Fa-f0-9:.]"),
    ("[%[\\p{L}\\p{Nl}\\p{Nd}]]*", "(?:%|[^\\W_])*"),
)


def python_pattern(pattern: str) -> str:
    """A pattern of the shapes in Python's regular expression syntax (see ``_JAVA_PATTERNS``)."""
    for java, python in _JAVA_PATTERNS:
        pattern = pattern.replace(java, python)
    return pattern


@lru_cache(maxsize=1)
def shapes() -> Graph:
    """The LOQ shapes graph (package data ``offerings/quality/shapes``), parsed once, its patterns in
    Python's syntax (the file itself stays as the Commission published it)."""
    data = resources.files("offerings.quality.shapes").joinpath(SHAPES_FILE).read_bytes()
    graph = Graph()
    graph.parse(data=data, format="turtle")
    for subject, pattern in list(graph.subject_objects(SH.pattern)):
        rewritten = python_pattern(str(pattern))
        if rewritten != str(pattern):
            graph.set((subject, SH.pattern, Literal(rewritten)))
    return graph


def _classes_of(graph: Graph, prop: Node) -> tuple[URIRef, ...]:
    found = [c for c in graph.objects(prop, SH["class"]) if isinstance(c, URIRef)]
    for alternatives in graph.objects(prop, SH["or"]):
        for member in graph.items(alternatives):
            found += [c for c in graph.objects(member, SH["class"]) if isinstance(c, URIRef)]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _profile() -> _Profile:
    graph = shapes()
    classes: dict[str, URIRef] = {}
    properties: dict[URIRef, dict[str, _Property]] = {}
    anywhere: dict[str, _Property] = {}
    for shape, target in graph.subject_objects(SH.targetClass):
        if not isinstance(target, URIRef):
            continue
        classes.setdefault(_local(target), target)
        table = properties.setdefault(target, {})
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            if not isinstance(path, URIRef):
                continue
            datatype = graph.value(prop, SH.datatype)
            allowed = _classes_of(graph, prop)
            iri = bool(allowed) or graph.value(prop, SH.nodeKind) in (SH.IRI, SH.BlankNodeOrIRI)
            entry = _Property(path, datatype if isinstance(datatype, URIRef) else None, allowed, iri)
            table.setdefault(_local(path), entry)
            anywhere.setdefault(_local(path), entry)
    return _Profile(classes, properties, anywhere)


class _Builder:
    """One record's triples, and the nodes that are only references."""

    def __init__(self) -> None:
        self.graph = Graph()
        self.references: set[Node] = set()
        self.described: set[Node] = set()
        self.profile = _profile()

    def node(self, value: dict[str, Any], default_class: URIRef | None, depth: int) -> Node:
        ident = next((value[k] for k in _IDENTITY if isinstance(value.get(k), str)), None)
        subject: Node = URIRef(ident) if ident else BNode()
        named = [str(t) for k in _TYPE for t in _as_list(value.get(k)) if t]
        classes = [self.profile.classes[t] for t in named if t in self.profile.classes]
        if not classes and default_class is not None:
            # A node met again through another property keeps the class it was first given.
            known = [c for c in self.graph.objects(subject, RDF.type) if isinstance(c, URIRef)]
            classes = known or [default_class]
        for cls in classes:
            self.graph.add((subject, RDF.type, cls))
        keys = [k for k in value if k not in _IDENTITY and k not in _TYPE and k != "@context"]
        if ident and set(keys) <= {"title"} and not named:
            # A reference to a node described elsewhere: typed for sh:class, not judged on its own.
            self.references.add(subject)
        if depth > _MAX_DEPTH or subject in self.described:
            # Described once: an entity reached along two paths (a provider that also awards) is embedded
            # twice, and its blank-node parts (identifiers, logos) would otherwise be counted twice.
            return subject
        if ident and keys:
            self.described.add(subject)
        table: dict[str, _Property] = {}
        for cls in classes:
            table = {**self.profile.properties.get(cls, {}), **table}
        for key in keys:
            name = _RENAMED.get(key, key)
            prop = table.get(name) or (None if classes else self.profile.anywhere.get(name))
            path = prop.path if prop else (DC.type if key == "dcType" else ELM[name])
            for item in _as_list(value[key]):
                for obj in self.objects(item, prop, depth):
                    self.graph.add((subject, path, obj))
        return subject

    def best_class(self, item: dict[str, Any], prop: _Property | None) -> URIRef | None:
        """The class an untyped node takes: of those its property allows (``sh:or`` gives several, such
        as Agent or Organisation for a provider), the one whose shape knows most of the node's keys."""
        if prop is None or not prop.classes:
            return None
        keys = {_RENAMED.get(k, k) for k in item}
        return max(prop.classes, key=lambda c: len(keys & self.profile.properties.get(c, {}).keys()))

    def objects(self, item: Any, prop: _Property | None, depth: int) -> list[Node]:
        datatype = prop.datatype if prop else None
        if isinstance(item, dict):
            if datatype == RDF.langString or (prop is None and _is_language_map(item)):
                return [Literal(str(text), lang=lang) for lang, text in item.items() if isinstance(text, str)]
            return [self.node(item, self.best_class(item, prop), depth + 1)]
        if item is None:
            return []
        if prop and prop.iri and isinstance(item, str):
            # A concept or entity given by its URI alone (ELM JSON-LD allows it): a reference.
            obj = URIRef(item)
            if prop.classes:
                self.graph.add((obj, RDF.type, prop.classes[0]))
                self.references.add(obj)
            return [obj]
        if datatype == RDF.langString:
            return [Literal(str(item), lang="en")] if isinstance(item, str) else [Literal(item)]
        if datatype is not None:
            return [Literal(str(item).lower() if isinstance(item, bool) else str(item), datatype=datatype)]
        return [Literal(item)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_language_map(value: dict[str, Any]) -> bool:
    if any(k in value for k in (*_IDENTITY, *_TYPE)):
        return False
    return bool(value) and all(isinstance(k, str) and 1 < len(k) <= 8 and isinstance(v, str) for k, v in value.items())


def to_graph(node: dict[str, Any], root_class: str = "LearningOpportunity") -> tuple[Graph, set[Node]]:
    """``node`` as RDF, and the nodes in it that are only references (see the module docstring)."""
    builder = _Builder()
    builder.node(node, _profile().classes.get(root_class), 0)
    return builder.graph, builder.references


def violations(node: dict[str, Any], root_class: str = "LearningOpportunity") -> list[Violation]:
    """Every result of validating ``node`` against the LOQ shapes (empty: it conforms)."""
    from pyshacl import validate

    graph, references = to_graph(node, root_class)
    _, report, _ = validate(graph, shacl_graph=shapes(), inference="none", advanced=False, allow_warnings=True)
    assert isinstance(report, Graph)
    found: list[Violation] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if focus in references:
            continue
        path = report.value(result, SH.resultPath)
        component = report.value(result, SH.sourceConstraintComponent)
        message = report.value(result, SH.resultMessage)
        classes = sorted(_local(c) for c in graph.objects(focus, RDF.type)) if focus is not None else []
        found.append(
            Violation(
                focus_class="/".join(classes) or "node",
                path=_local(path) if path is not None else "",
                constraint=_local(component).removesuffix("ConstraintComponent") if component is not None else "",
                message=str(message or ""),
            )
        )
    return sorted(set(found), key=str)


def issues(node: dict[str, Any], root_class: str = "LearningOpportunity") -> list[Issue]:
    """The violations as V25 warnings, one per distinct shape and constraint.

    Remembered for the last records: a validation costs about 70 ms of CPU, a hundred times the crosswalk,
    and a scheduler harvesting a source in full again meets the same records (keyed by their content).
    """
    return list(_issues(json.dumps(node, sort_keys=True, ensure_ascii=False, default=str), root_class))


@lru_cache(maxsize=1024)
def _issues(document: str, root_class: str) -> tuple[Issue, ...]:
    return tuple(dict.fromkeys(v.issue() for v in violations(json.loads(document), root_class)))
