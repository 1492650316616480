"""Golden files: every offering sample in tests/data/samples, normalised, equals its checked expected JSON.

Each expected file (``tests/data/expected/<format>/<name>.json``) holds, per record of the sample
document, the normalised record and its quality block; each was checked by hand against the source
(see the notes in ``tests/data/expected/README.md``). ``MICROCRED_UPDATE_GOLDEN=1`` rewrites them
after a deliberate change, which then needs the same check again.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.crosswalks import catalogue as documents
from offerings.quality import assess

EXPECTED = Path(__file__).resolve().parents[1] / "data" / "expected"
UPDATE = os.environ.get("MICROCRED_UPDATE_GOLDEN", "") not in ("", "0")
# Quality depends on "today" (past runs make a record inactive): the golden files use a fixed day.
TODAY = date(2026, 1, 1)

# (expected file, sample files, source configuration)
CASES: list[tuple[str, list[str], SourceContext]] = [
    ("xcri_cap/ou-example", ["xcri-cap/ou-example.xml"], SourceContext(source_id="ou", country="GB")),
    ("xcri_cap/wychwolf-moodle", ["xcri-cap/wychwolf-moodle.xml"], SourceContext(source_id="wychwolf", country="GB")),
    (
        "ewp_courses/response-example",
        ["ewp-courses-api/response-example.xml"],
        SourceContext(source_id="ewp", name="EWP example HEI", country="NO", extra={"hei_id": "hei.example.no"}),
    ),
    ("elm_loq/loq", ["elm-v3/loq.xml"], SourceContext(source_id="qdr")),
    (
        "elm_loq/loq_withLearningAchievementSpecification",
        ["elm-v3/loq_withLearningAchievementSpecification.xml"],
        SourceContext(source_id="qdr"),
    ),
    (
        "ctdl/example-graph",
        ["ctdl/Course-1a.json", "ctdl/LearningProgram-1.json", "ctdl/Credential-1.json", "ctdl/Organization-1.json"],
        SourceContext(source_id="ce"),
    ),
    ("ctdl/Course-1a", ["ctdl/Course-1a.json"], SourceContext(source_id="ce")),
    ("oai_dc/skillscommons-taaccct-82", ["oai_dc/skillscommons-taaccct-82-oai_dc.xml"], SourceContext(source_id="sc")),
    # The EC2U-captured university APIs a crosswalk fits (Poitiers' 120-ECTS Licence is a degree, not an offering).
    ("uc_coimbra/coimbra-4601", ["institution-apis/coimbra-courses-api-record.json"], SourceContext(source_id="uc")),
    (
        "usal_salamanca/salamanca",
        ["institution-apis/salamanca-usal-courses-api-records.json"],
        SourceContext(source_id="usal"),
    ),
    (
        "jku_linz/linz-491ESYNPCHP19",
        ["institution-apis/linz-jku-courses-api-record.json"],
        SourceContext(source_id="jku"),
    ),
]


def _document(samples: Path, files: list[str]) -> documents.Document:
    if len(files) == 1:
        parsed = documents.parse((samples / files[0]).read_bytes())
        assert parsed is not None, f"{files[0]} is not detected as a catalogue document"
        return parsed
    # Several JSON-LD files published separately are one graph once fetched together.
    graph = {"@graph": [json.loads((samples / f).read_text(encoding="utf-8")) for f in files]}
    parsed = documents.parse(json.dumps(graph).encode())
    assert parsed is not None
    return parsed


def _normalised(records: list[SourceRecord], format_name: str, context: SourceContext) -> list[dict[str, Any]]:
    out = []
    for record in records:
        offering = CROSSWALKS[format_name](record, context)
        out.append({"offering": offering.to_dict(), "quality": assess(offering, today=TODAY).to_dict()})
    return out


def _compare(name: str, actual: Any) -> None:
    path = EXPECTED / f"{name}.json"
    text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no expected file {path}; run with MICROCRED_UPDATE_GOLDEN=1 and check it by hand"
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "files", "context"), CASES, ids=[c[0] for c in CASES])
def test_sample_normalises_to_its_golden_file(
    samples: Path, name: str, files: list[str], context: SourceContext
) -> None:
    document = _document(samples, files)
    assert document.format == name.split("/")[0]
    records = list(documents.split(document))
    _compare(name, _normalised(records, document.format, context))


def elm_jsonld_opportunity(samples: Path) -> dict[str, Any]:
    """A LearningOpportunity in ELM JSON-LD built around the Commission's Annex I sample.

    The sample is an issued credential; its achievement specification, assessment and awarding body
    are the parts an offering shares, so they are placed, unchanged, where an offering has them.
    """
    credential = json.loads((samples / "elm-v3" / "Sample-MC-Annex1-unsigned.jsonld").read_text(encoding="utf-8"))
    claim = credential["credentialSubject"]["hasClaim"]
    spec = dict(claim["specifiedBy"])
    spec["provenBy"] = claim["provenBy"]
    spec["awardingOpportunity"] = {
        "id": "urn:test:awarding:1",
        "type": "AwardingOpportunity",
        "awardingBody": claim["awardedBy"]["awardingBody"],
    }
    return {
        "@context": credential["@context"],
        "id": "urn:test:lo:digital-micro-credential-creation",
        "type": "LearningOpportunity",
        "title": spec["title"],
        "homepage": {"id": "urn:test:web:1", "type": "WebResource", "contentURL": "https://uniz.example.edu/mc"},
        "providedBy": claim["awardedBy"]["awardingBody"],
        "learningAchievementSpecification": spec,
        "learningActivitySpecification": claim["influencedBy"]["specifiedBy"],
        "temporal": claim["influencedBy"]["temporal"],
        "defaultLanguage": credential["displayParameter"]["primaryLanguage"],
    }


def test_elm_jsonld_from_the_commission_annex1_sample(samples: Path) -> None:
    document = documents.parse(json.dumps(elm_jsonld_opportunity(samples)).encode())
    assert document is not None and document.format == "elm_jsonld"
    records = list(documents.split(document))
    assert [r.identifier for r in records] == ["urn:test:lo:digital-micro-credential-creation"]
    _compare("elm_jsonld/sample-mc-annex1", _normalised(records, "elm_jsonld", SourceContext(source_id="edc")))


def test_issued_credentials_and_protocol_responses_are_no_catalogue(samples: Path) -> None:
    for name in ("elm-v3/Sample-MC-Annex1-unsigned.jsonld", "oai-pmh/sickle/ListRecords.xml"):
        assert documents.detect((samples / name).read_bytes()) is None
