"""ELM records and the ELM export against the Commission's LOQ SHACL shapes (issue 14, item 3)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord, catalogue, elm_loq
from offerings.export.elm_jsonld import learning_opportunity
from offerings.export.elm_xml import loq_bytes
from offerings.model import Offering, Organisation
from offerings.quality import assess, shacl
from offerings.store import Source, Store
from offerings.store import report as quality_report
from tests.factories import full_offering

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "offerings" / "quality" / "shapes" / "LOQ-constraints.ttl"
EVAL = ROOT / "tests" / "data" / "eval" / "records.jsonl"
PAGE = "https://catalogue.example/offerings/x"


def _organisations(o: Offering) -> list[Organisation]:
    bodies = [qa.qa_body for qa in o.quality_assurance if qa.qa_body]
    return [*o.provider, *o.awarding_body, *bodies]


# The only results our export may give: a property the shape requires that the record does not have,
# and that the export must not invent (an ISCED-F code, a language, an outcome, an organisation's
# country). Each is allowed only when the offering really lacks it.
ABSENT: dict[tuple[str, str], Callable[[Offering], bool]] = {
    ("LearningOpportunity", "homepage"): lambda o: not o.record_url,
    ("LearningOpportunity", "providedBy"): lambda o: not o.provider,
    ("LearningOpportunity", "defaultLanguage"): lambda o: not o.default_language or o.default_language == "und",
    ("LearningAchievementSpecification", "ISCEDFCode"): lambda o: not o.isced_f,
    ("LearningAchievementSpecification", "language"): lambda o: not o.languages_of_instruction,
    ("LearningAchievementSpecification", "learningOutcome"): lambda o: not o.learning_outcomes,
    ("Organisation", "location"): lambda o: any(not org.country for org in _organisations(o)),
    ("Accreditation", "accreditingAgent"): lambda o: any(not qa.qa_body for qa in o.quality_assurance),
    ("Accreditation", "organisation"): lambda o: not (o.awarding_body or o.provider),
}


def unexplained(offering: Offering, found: list[shacl.Violation]) -> list[str]:
    """The results that are not a required property the offering lacks: each one is a fault of ours."""
    return [
        str(v)
        for v in found
        if not (v.constraint == "MinCount" and ABSENT.get((v.focus_class, v.path), lambda _: False)(offering))
    ]


def xml_node(offering: Offering) -> dict[str, object]:
    """Our LOQ XML export read back into the JSON-LD shape the shapes are checked on."""
    payload = loq_bytes(offering, page_url=PAGE)
    return elm_loq.shapes_node(SourceRecord(identifier=PAGE, payload=payload))


def _eval_offerings(step: int) -> Iterator[tuple[str, Offering]]:
    with EVAL.open(encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines if line.strip()]
    for item in items[::step]:
        record = SourceRecord(identifier=item["id"], payload=item["payload"].encode("utf-8"), url=item.get("url"))
        yield item["id"], CROSSWALKS[item["format"]](record, SourceContext(**item["context"]))


def _sample_offerings(samples: Path) -> Iterator[tuple[str, Offering]]:
    names = [
        "elm-v3/loq.xml",
        "elm-v3/loq_withLearningAchievementSpecification.xml",
        "xcri-cap/ou-example.xml",
        "xcri-cap/wychwolf-moodle.xml",
        "ewp-courses-api/response-example.xml",
        "oai_dc/skillscommons-taaccct-82-oai_dc.xml",
    ]
    for name in names:
        document = catalogue.parse((samples / name).read_bytes())
        for record in catalogue.split(document):
            offering = CROSSWALKS[document.format](record, SourceContext(source_id="s", name="Sample source"))
            yield f"{name}#{record.identifier}", offering


def test_the_shapes_are_the_commissions_file_as_published() -> None:
    assert hashlib.sha256(SHAPES.read_bytes()).hexdigest() == (
        "729af82c6b697dcaa5d591691f0583f8f63ff204820b8a9f2a3511520bcd4156"
    )
    assert "creativecommons.org/licenses/by/4.0" in SHAPES.read_text(encoding="utf-8")
    assert shacl.shapes() is shacl.shapes()  # parsed once


def test_the_java_url_patterns_read_the_same_in_python() -> None:
    patterns = {str(p) for p in shacl.shapes().objects(None, shacl.SH.pattern)}
    assert patterns and not any("\\p{" in p or p.startswith("^(?i)") for p in patterns)
    http = next(re.compile(p) for p in patterns if p.startswith("(?i)^(http|https)"))
    assert http.match("HTTPS://www.uni.example/kurs?id=1#x") and http.match("https://[fe80::1%25eth0]/")
    assert not http.match("ftp://files.example/x") and not http.match("urn:isbn:123")


@pytest.mark.parametrize("name", ["loq.xml", "loq_withLearningAchievementSpecification.xml"])
def test_the_commissions_own_samples_conform(samples: Path, name: str) -> None:
    """No false alarms: the Commission's LOQ samples, read as the crosswalk reads them, pass."""
    root = etree.parse(str(samples / "elm-v3" / name)).getroot()
    records = list(elm_loq.split(root))
    assert len(records) == 2
    for record in records:
        assert shacl.violations(elm_loq.shapes_node(record)) == []


def test_what_a_record_breaks_is_found() -> None:
    broken = {
        "id": "http://example.org/lo/1",
        "type": "LearningOpportunity",
        "title": {"en": "Data literacy"},
        "homepage": {"id": "http://example.org/lo/1#page", "type": "WebResource", "contentURL": "not a web page"},
        "temporal": {"id": "http://example.org/lo/1#when", "type": "PeriodOfTime", "startDate": "12.10.2027"},
        "learningOutcomes": "a property LOQ does not have",
    }
    found = {(v.focus_class, v.path, v.constraint) for v in shacl.violations(broken)}
    assert ("LearningOpportunity", "providedBy", "MinCount") in found
    assert ("LearningOpportunity", "learningOutcomes", "Closed") in found
    assert ("PeriodOfTime", "startDate", "Datatype") in found
    assert (
        any(path == "contentUrl" for _, path, _ in found)
        or ("WebResource", "", "Node") in found
        or any(cls == "LearningOpportunity" and path == "homepage" for cls, path, _ in found)
    )


def test_violations_of_an_elm_record_are_in_its_quality_report() -> None:
    node = {
        "@context": "http://data.europa.eu/snb/model/context/edc-ap",
        "id": "http://example.org/lo/1",
        "type": "LearningOpportunity",
        "title": {"en": "Data literacy"},
        "description": {"en": "A course of 5 ECTS."},
        "bannerImage": {"id": "http://example.org/lo/1#banner", "type": "WebResource", "contentURL": "https://x.eu"},
    }
    record = SourceRecord(identifier="http://example.org/lo/1", payload=json.dumps(node).encode())
    normalised = CROSSWALKS["elm_jsonld"].normalise(record, SourceContext(source_id="elm", name="ELM feed"))
    rules = {str(i) for i in normalised.conformance}
    assert "V25 LearningOpportunity.providedBy: LOQ shape: MinCount" in rules
    assert "V25 LearningOpportunity.bannerImage: LOQ shape: Class" in rules
    warnings = assess(normalised.offering, issues=normalised.issues).warnings
    assert rules <= set(warnings)
    # Shown, not penalised: the score is the one without them.
    without = assess(normalised.offering, issues=[i for i in normalised.issues if i.rule != "V25"])
    assert assess(normalised.offering, issues=normalised.issues).score == without.score
    # Stale issues are found again the next day, and the record's own violations stay with them.
    later = normalised.issues_on(normalised.checked_on.replace(year=normalised.checked_on.year + 1))  # type: ignore[union-attr]
    assert set(normalised.conformance) <= set(later)


def test_a_sources_quality_report_counts_the_violations(store: Store) -> None:
    """What the sources page and ``GET /api/v1/sources/{id}`` show: the V25 warnings of the stored records."""
    store.sources.add(Source(id="elm", url="http://127.0.0.1/elm.jsonld", kind="feed"))
    context = SourceContext(source_id="elm", name="ELM feed", country="DE")
    for n in range(2):
        node = {"id": f"http://example.org/lo/{n}", "type": "LearningOpportunity", "title": {"de": f"Kurs {n}"}}
        record = SourceRecord(identifier=node["id"], payload=json.dumps(node).encode())
        store.upsert_many([CROSSWALKS["elm_jsonld"].normalise(record, context)])
    warnings = {w["warning"]: w["records"] for w in quality_report.for_source(store, "elm")["warnings"]}
    assert warnings["V25 LearningOpportunity.learningAchievementSpecification: LOQ shape: MinCount"] == 2


def test_other_formats_are_not_checked_against_the_shapes() -> None:
    payload = (
        b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Data literacy</dc:title></oai_dc:dc>'
    )
    normalised = CROSSWALKS["oai_dc"].normalise(
        SourceRecord(identifier="r", payload=payload), SourceContext(source_id="s")
    )
    assert normalised.conformance == () and not any(i.rule == "V25" for i in normalised.issues)


def test_the_full_export_conforms_in_both_syntaxes() -> None:
    offering = full_offering()
    assert shacl.violations(learning_opportunity(offering, page_url=PAGE)) == []
    assert shacl.violations(xml_node(offering)) == []


def test_the_export_of_the_eval_and_sample_records_conforms(samples: Path) -> None:
    """Over a tenth of the evaluation set and every crosswalked sample: the export gives no result but a
    required property the record does not have (ABSENT), in JSON-LD and (for the samples) in LOQ XML."""
    checked = 0
    for key, offering in [*_eval_offerings(10), *_sample_offerings(samples)]:
        assert unexplained(offering, shacl.violations(learning_opportunity(offering, page_url=PAGE))) == [], key
        if not key.startswith("eval-"):
            assert unexplained(offering, shacl.violations(xml_node(offering))) == [], key
        checked += 1
    assert checked > 30
