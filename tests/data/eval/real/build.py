"""Write ``records.jsonl``: the real records of the second evaluation set, each with the truth read from it.

The payloads are cut from the sample files in ``tests/data/samples/`` (copies of public material, with
their provenance and licences in that folder's README and in ``README.md`` beside this script): one OAI-PMH
``oai_dc:dc`` element per record, a schema.org example file as it is, an XCRI-CAP course as the feed
splitter cuts it. The truth is written below by hand, from reading each record (never from a parser):
what the record states or implies per field, empty where it says nothing. Run it again only when
this script changes; ``make eval`` reads the output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
SAMPLES = ROOT / "tests" / "data" / "samples"
sys.path.insert(0, str(ROOT))

from offerings.crosswalks import catalogue  # noqa: E402

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
EMPTY: dict[str, Any] = {
    "title": None,
    "provider": None,
    "issuer_country": None,
    "ects": None,
    "workload_hours": None,
    "eqf": None,
    "languages": [],
    "mode": [],
    "start_date": None,
    "deadline": None,
    "price": None,
    "assessment": [],
    "qa": [],
}

# --- oai_dc: RePub, the repository of Erasmus University Rotterdam (a DSpace capture, 2003-2004) --------
# The operator registers the repository under the university's name and country. Every record is a
# publication: none states credits, a level, a mode, dates of a run, a fee, an assessment or QA, so those
# truths are empty (the set tests what the crosswalk invents from real abstracts). The provider is the
# publisher the record names when that is an organisation, else the institution the source is registered
# as (a person named as publisher is not a provider). Languages: "en"/"en_US" is English; "other" says none.
EUR = {"source_id": "real-eur", "name": "Erasmus University Rotterdam", "country": "NL"}
EUR_FILE = SAMPLES / "oai-pmh" / "pyoai-dspace" / "fake2" / "00002.xml"
UNIVERSITY = "Erasmus University Rotterdam"
ERIM = "Erasmus Research Institute of Management (ERIM), Erasmus University Rotterdam"
# (OAI identifier, title as the record gives it, provider, languages), in the file's order.
EUR_TRUTH = [
    ("hdl:1765/9", "The Causality of Supply Relationships", ERIM, ["en"]),
    ("hdl:1765/449", None, UNIVERSITY, []),
    ("hdl:1765/460", None, UNIVERSITY, ["en"]),
    ("hdl:1765/633", None, UNIVERSITY, []),
    ("hdl:1765/634", None, UNIVERSITY, []),
    ("hdl:1765/635", None, UNIVERSITY, []),
    ("hdl:1765/649", "R&D Networks", UNIVERSITY, ["en"]),
    ("hdl:1765/705", None, UNIVERSITY, []),
    ("hdl:1765/706", None, UNIVERSITY, ["en"]),
    ("hdl:1765/707", None, UNIVERSITY, []),
    ("hdl:1765/812", None, UNIVERSITY, ["en"]),
    ("hdl:1765/842", None, UNIVERSITY, ["en"]),
    ("hdl:1765/899", None, UNIVERSITY, ["en"]),
    ("hdl:1765/904", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1070", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1077", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1078", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1081", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1082", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1083", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1091", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1092", None, UNIVERSITY, []),
    ("hdl:1765/1093", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1094", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1096", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1095", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1097", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1099", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1098", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1100", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1101", None, UNIVERSITY, []),
    ("hdl:1765/1102", None, UNIVERSITY, []),
    ("hdl:1765/1103", None, UNIVERSITY, []),
    ("hdl:1765/1104", None, UNIVERSITY, []),
    ("hdl:1765/1105", None, UNIVERSITY, []),
    # The publisher is a person ("Rooijen, M. van"): not a provider.
    ("hdl:1765/1106", None, UNIVERSITY, []),
    # The publisher is the journal the article appeared in: the record names it as the provider.
    ("hdl:1765/1107", None, "Tijdschrift voor Militaire Bedrijfskunde", []),
    ("hdl:1765/1108", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1109", None, UNIVERSITY, ["en"]),
    ("hdl:1765/1110", None, UNIVERSITY, ["en"]),
]

# --- schema.org: the Course examples of schema.org (eg-0332 to eg-0338), each marked up from a real page ---
# Each site is registered as a web source with its own name and country. Read per example:
COURSERA = {"source_id": "real-coursera", "name": "Coursera", "country": "US"}
FIFE = {"source_id": "real-fife", "name": "Fife College", "country": "GB"}
T4P = {"source_id": "real-train4publishing", "name": "Train4Publishing", "country": "GB"}
UCAS = {"source_id": "real-ucas", "name": "UCAS", "country": "GB"}
SCHEMA_TRUTH: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
    # No name: the record gives a description and one run (MOOC, online, 15 February to 21 March 2019).
    (
        "eg-0332",
        "https://www.coursera.org/course/datascitoolbox",
        COURSERA,
        {"provider": "Coursera", "issuer_country": "US", "mode": ["online"], "start_date": "2019-02-15"},
    ),
    # Three runs at two named campuses (full- and part-time): on site; the earliest starts 29 August 2016.
    (
        "eg-0333",
        "http://www.fife.ac.uk/student/courses/course/HCACC",
        FIFE,
        {
            "title": "HNC Accounting",
            "provider": "Fife College",
            "issuer_country": "GB",
            "mode": ["onsite"],
            "start_date": "2016-08-29",
        },
    ),
    # Distance learning, online or posted; GBP 395 for the first run, 440 for the second.
    (
        "eg-0334",
        "http://www.train4publishing.co.uk/courses/distance-learning/basic-proofreading",
        T4P,
        {
            "title": "Basic Proofreading",
            "provider": "Train4Publishing",
            "issuer_country": "GB",
            "mode": ["online"],
            "price": {"amount": 395.0, "currency": "GBP"},
        },
    ),
    (
        "eg-0335",
        "http://www.fife.ac.uk/student/courses/course/HCACC",
        FIFE,
        {"title": "HNC Accounting", "provider": "Fife College", "issuer_country": "GB"},
    ),
    (
        "eg-0336",
        "http://www.train4publishing.co.uk/courses/distance-learning/basic-proofreading",
        T4P,
        {"title": "Basic Proofreading", "provider": "Train4Publishing", "issuer_country": "GB"},
    ),
    # Provided by Johns Hopkins University, offered through Coursera at a price of 0: free, MOOC, online.
    (
        "eg-0337",
        "https://www.coursera.org/course/datascitoolbox",
        COURSERA,
        {
            "title": "The Data Scientist's Toolbox",
            "provider": "Johns Hopkins University",
            "issuer_country": "US",
            "mode": ["online"],
            "price": "free",
        },
    ),
    (
        "eg-0338",
        "http://search.ucas.com/course/summary/463149/physics",
        UCAS,
        {"title": "Physics", "provider": "University of Bristol", "issuer_country": "GB"},
    ),
]

# --- XCRI-CAP: the Wychwolf.com Moodle feed (2012, Open Government Licence) ------------------------------
WYCHWOLF = {"source_id": "real-wychwolf", "name": "Wychwolf.com", "country": "GB"}
# One course: taught in English, distance without attendance, from 1 August 2012 (dtf), apply until
# 1 August 2012, "free", "No assessment". Its address (West Sussex) is in England.
WYCHWOLF_TRUTH = {
    "title": "Creating a webcomic",
    "provider": "Wychwolf.com",
    "issuer_country": "GB",
    "languages": ["en"],
    "mode": ["online"],
    "start_date": "2012-08-01",
    "deadline": "2012-08-01",
    "price": "free",
    "assessment": ["none"],
}


def _eur() -> list[dict[str, Any]]:
    tree = etree.parse(str(EUR_FILE))
    records = [r for r in tree.iter(f"{{{OAI}}}record") if r.find(f"{{{OAI}}}metadata") is not None]
    found = []
    for (ident, title, provider, languages), record in zip(EUR_TRUTH, records, strict=False):
        assert record.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier") == ident, ident
        dc = record.find(f"{{{OAI}}}metadata")[0]  # type: ignore[index]
        titles = [(e.text or "").strip() for e in dc.iter(f"{{{DC}}}title")]
        urls = [(e.text or "").strip() for e in dc.iter(f"{{{DC}}}identifier") if (e.text or "").startswith("http")]
        truth = {
            **EMPTY,
            # The title as the page shows it: the record's text with its whitespace collapsed.
            "title": " ".join((title or titles[0]).split()),
            "provider": provider,
            "issuer_country": "NL",
            "languages": languages,
        }
        found.append(
            {
                "id": f"real-{ident.replace('hdl:1765/', 'eur-')}",
                "format": "oai_dc",
                "language": "en" if languages else "nl",
                "url": urls[0] if urls else None,
                "context": EUR,
                "payload": etree.tostring(dc, encoding="unicode"),
                "truth": truth,
                "source": "tests/data/samples/oai-pmh/pyoai-dspace/fake2/00002.xml",
            }
        )
    return found


def _schema_org() -> list[dict[str, Any]]:
    found = []
    for example, url, context, truth in SCHEMA_TRUTH:
        path = next((SAMPLES / "schema-org").glob(f"{example}-*.jsonld"))
        found.append(
            {
                "id": f"real-{example}",
                "format": "schema_org",
                "language": "en",
                "url": url,
                "context": context,
                "payload": path.read_text(encoding="utf-8"),
                "truth": {**EMPTY, **truth},
                "source": f"tests/data/samples/schema-org/{path.name}",
            }
        )
    return found


def _xcri() -> list[dict[str, Any]]:
    path = SAMPLES / "xcri-cap" / "wychwolf-moodle.xml"
    document = catalogue.parse(path.read_bytes())
    assert document is not None
    (record,) = list(catalogue.split(document))
    return [
        {
            "id": "real-xcri-wychwolf-5",
            "format": "xcri_cap",
            "language": "en",
            "url": "http://www.wychwolf.com/moodle/course/view.php?id=5",
            "context": WYCHWOLF,
            "payload": record.payload.decode("utf-8"),
            "identifier": record.identifier,
            "truth": {**EMPTY, **WYCHWOLF_TRUTH},
            "source": "tests/data/samples/xcri-cap/wychwolf-moodle.xml",
        }
    ]


def main() -> int:
    """Write records.jsonl beside this script."""
    items = [*_eur(), *_schema_org(), *_xcri()]
    with (HERE / "records.jsonl").open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} records written to {(HERE / 'records.jsonl').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
