"""Page extraction without a crawl: JSON-LD block by block, @graph, arrays, microdata, RDFa, shells."""

from __future__ import annotations

import json

import pytest

from harvesters.web.extract import extract_page
from tests.harvesters.web.conftest import (
    ABOUT_PAGE,
    ACCOUNTING_GRAPH,
    MICRODATA_PAGE,
    PHYSICS,
    PROOFREADING_ARRAY,
    RDFA_PAGE,
    SHELL_PAGE,
    jsonld_page,
)

URL = "http://127.0.0.2/courses/x"


def test_graph_references_are_embedded() -> None:
    markup = extract_page(jsonld_page(ACCOUNTING_GRAPH), URL)
    assert markup.syntax == "json-ld" and markup.language == "en" and markup.errors == []
    [course] = markup.courses
    assert course["provider"]["name"] == "Fife College"  # {"@id": "#fife"} resolved through the graph
    assert course["provider"]["address"]["addressCountry"] == "GB"


def test_a_top_level_array_gives_each_course() -> None:
    markup = extract_page(jsonld_page(PROOFREADING_ARRAY), URL)
    assert [c["name"] for c in markup.courses] == ["Basic Proofreading", "Advanced Proofreading"]


def test_a_malformed_block_does_not_hide_its_siblings() -> None:
    broken = '{"@type": "Course", "name": "Broken",}'
    markup = extract_page(jsonld_page(title="P", raw=(broken, json.dumps(PHYSICS))), URL)
    assert [c["name"] for c in markup.courses] == ["Physics"]
    assert markup.errors and markup.errors[0].startswith("JSON-LD block 1 is not valid JSON")
    assert markup.problem() is None  # the page yielded its course; the broken block is reported apart


@pytest.mark.parametrize(
    "raw",
    [
        "<!-- " + json.dumps(PHYSICS) + " -->",
        "//<![CDATA[\n" + json.dumps(PHYSICS) + "\n//]]>",
        json.dumps(PHYSICS) + ";",
        json.dumps(PHYSICS).replace('"', "&quot;"),
    ],
    ids=["html-comment", "cdata", "trailing-semicolon", "entity-encoded"],
)
def test_what_publishers_wrap_json_ld_in_is_forgiven(raw: str) -> None:
    assert [c["name"] for c in extract_page(jsonld_page(raw=(raw,)), URL).courses] == ["Physics"]


def test_iri_keys_and_nested_courses() -> None:
    page = {
        "@context": {"schema": "https://schema.org/"},
        "@type": "schema:ItemList",
        "schema:itemListElement": [
            {"@type": "ListItem", "item": {"@type": "https://schema.org/Course", "https://schema.org/name": "Listed"}},
        ],
    }
    parent = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": "Programme",
        "hasPart": {"@type": "Course", "name": "Module"},
    }
    markup = extract_page(jsonld_page(page, parent), URL)
    assert [c["name"] for c in markup.courses] == ["Listed", "Programme"]  # a module stays inside its programme
    assert markup.courses[1]["hasPart"]["name"] == "Module"


def test_microdata_keys_are_normalised() -> None:
    markup = extract_page(MICRODATA_PAGE, URL)
    assert markup.syntax == "microdata" and markup.language == "de"
    [course] = markup.courses
    assert course["@type"] == "Course" and course["name"] == "Datenethik für die Verwaltung"
    assert course["numberOfCredits"] == {"@type": "StructuredValue", "value": "5", "unitText": "ECTS"}
    assert course["hasCourseInstance"]["startDate"] == "2027-03-01"


def test_rdfa_keys_values_and_blank_nodes_are_normalised() -> None:
    markup = extract_page(RDFA_PAGE, URL)
    assert markup.syntax == "rdfa"
    [course] = markup.courses
    assert course["@id"] == URL + "#cours"
    assert course["name"] == "Introduction à la science des données"
    assert course["provider"] == {
        "@type": ["CollegeOrUniversity"],
        "name": "Université Exemple",
        "address": {"@type": ["PostalAddress"], "addressCountry": "FR"},
    }
    assert "_:" not in json.dumps(course)  # blank-node ids change on every parse: never kept


def test_json_ld_wins_over_microdata_on_the_same_page() -> None:
    page = MICRODATA_PAGE.replace(
        "</head>", f'<script type="application/ld+json">{json.dumps(PHYSICS)}</script></head>'
    )
    markup = extract_page(page, URL)
    assert markup.syntax == "json-ld" and [c["name"] for c in markup.courses] == ["Physics"]


def test_pages_without_courses_say_why() -> None:
    about = extract_page(ABOUT_PAGE, URL)
    assert about.courses == [] and not about.shell and about.problem() == "no schema.org Course markup"
    shell = extract_page(SHELL_PAGE, URL)
    assert shell.shell and "client-rendered" in (shell.problem() or "")
    other = extract_page(jsonld_page({"@context": "https://schema.org", "@type": "Event", "name": "Open day"}), URL)
    assert other.problem() == "no schema.org Course markup (found only Event)"
    assert extract_page("", URL).problem() == "no schema.org Course markup; page is empty"


def test_xhtml_with_an_xml_declaration() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + jsonld_page(PHYSICS)
    assert [c["name"] for c in extract_page(page, URL).courses] == ["Physics"]
