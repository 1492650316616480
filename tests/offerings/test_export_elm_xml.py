"""ELM v3 LOQ XML export, round-tripped through our own ``elm_loq`` crosswalk, and its shape checked
against the Commission's LOQ samples."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.crosswalks import catalogue as documents
from offerings.export.elm_jsonld import learning_opportunity
from offerings.export.elm_xml import LOQ_NS, loq_bytes, loq_document, render_loq
from offerings.model import Offering
from offerings.quality import assess
from tests import factories
from tests.factories import full_offering
from tests.offerings.test_export_elm import ELM_FIELDS

PAGE = "https://catalogue.example/offerings/x"
# LOQ XML's code-list elements (targetGroup, NQFLevel) take a uri without labels: those two compare by
# what the XML can carry.
XML_FIELDS = tuple(f for f in ELM_FIELDS if f not in ("target_groups", "nqf_level"))
# Relations to opportunities or qualifications held outside this one document.
EXTERNAL_REFERENCES = {"hasPart", "isPartOf"}


def _round_trip(offering: Offering, page: str | None = PAGE) -> Offering:
    payload = loq_bytes(offering, page_url=page)
    identifier = page or f"urn:microcred:offering:{offering.record_id}"
    return CROSSWALKS["elm_loq"](SourceRecord(identifier=identifier, payload=payload), SourceContext(source_id="x"))


def _pairs(root: etree._Element) -> set[tuple[str, str]]:
    """(parent, child) local names of every element: the vocabulary and nesting of a LOQ document."""
    return {
        (etree.QName(e.getparent()).localname, etree.QName(e).localname)
        for e in root.iter()
        if isinstance(e.tag, str) and e.getparent() is not None
    }


def test_full_record_round_trips_through_the_loq_crosswalk() -> None:
    original = full_offering()
    back = _round_trip(original)
    for name in XML_FIELDS:
        assert getattr(back, name) == getattr(original, name), name
    assert [c.uri for c in back.target_groups] == [c.uri for c in original.target_groups]
    assert [c.uri for c in back.nqf_level] == [c.uri for c in original.nqf_level]
    assert [(o.name, o.country, o.homepage, o.region, o.address) for o in back.provider] == [
        (o.name, o.country, o.homepage, o.region, o.address) for o in original.provider
    ]
    assert back.provider[0].ids == original.provider[0].ids
    assert back.provider[0].other_ids == original.provider[0].other_ids
    assert [(o.name, o.country) for o in back.awarding_body] == [(o.name, o.country) for o in original.awarding_body]
    assert [(lo.text, lo.esco_skills, lo.other_skills, lo.type, lo.reusability) for lo in back.learning_outcomes] == [
        (lo.text, lo.esco_skills, lo.other_skills, lo.type, lo.reusability) for lo in original.learning_outcomes
    ]
    assert back.grading_scheme == original.grading_scheme
    assert back.other_identifiers == original.other_identifiers
    qa, qa_back = original.quality_assurance[0], back.quality_assurance[0]
    assert (
        qa_back.type,
        qa_back.elm_type,
        qa_back.title,
        qa_back.decision_date,
        qa_back.expiry_date,
        qa_back.report_url,
    ) == (qa.type, qa.elm_type, qa.title, qa.decision_date, qa.expiry_date, qa.report_url)
    assert qa_back.qa_body is not None and qa_back.qa_body.name == qa.qa_body.name  # type: ignore[union-attr]
    run, run_back = original.instances[0], back.instances[0]
    assert (run_back.start_date, run_back.end_date, run_back.application_deadline) == (
        run.start_date,
        run.end_date,
        run.application_deadline,
    )
    venues = [(v.name, v.country, v.region) for v in run.venues]
    assert [(v.name, v.country, v.region) for v in run_back.venues] == venues
    prices = {(p.amount, p.currency, tuple(p.label.items())) for p in original.all_prices()}
    assert {(p.amount, p.currency, tuple(p.label.items())) for p in back.all_prices()} == prices
    assert [p.id for p in back.part_of] == ["Q-9"]
    assert [(g.title, g.url) for g in back.grants] == [(g.title, g.url) for g in original.grants]
    assert back.crosswalk_warnings == []
    assert assess(back).tier == assess(original).tier == "annex1_complete"


def test_minimal_record_round_trips() -> None:
    original = factories.offering(
        source="s", key="1", source_format="elm_jsonld", title={"de": "Datenkompetenz"}, provider=[], ects_credits=None
    )
    back = _round_trip(original, page=None)
    assert back.title == original.title and back.original_identifier == f"urn:microcred:offering:{original.record_id}"
    # ELM requires a title on the achievement specification: the export gives it the offering's.
    assert back.credential_title == original.title
    for name in XML_FIELDS:
        # The crosswalk infers the default language from the only title language.
        if name not in ("default_language", "credential_title"):
            assert getattr(back, name) == getattr(original, name), name
    root = loq_document(original)
    assert [etree.QName(s).localname for s in root] == [
        "learningOpportunityReferences",
        "learningAchievementSpecificationReferences",
    ]


def test_the_document_has_the_shape_of_the_commission_samples(samples: Path) -> None:
    known: set[tuple[str, str]] = set()
    for name in ("loq.xml", "loq_withLearningAchievementSpecification.xml"):
        known |= _pairs(etree.parse(str(samples / "elm-v3" / name)).getroot())
    root = loq_document(full_offering(), page_url=PAGE)
    assert etree.QName(root).text == f"{{{LOQ_NS}}}Courses" and root.get("xsdVersion") == "3.1.0"
    # Every element is one the Commission's samples use (O2 is a note, not idVerification: module docstring).
    assert _pairs(root) - known == set()
    ids = [e.get("id") for section in root for e in section]
    assert len(ids) == len(set(ids))
    for ref in root.iter():
        if isinstance(ref.tag, str) and ref.get("idref") and etree.QName(ref).localname not in EXTERNAL_REFERENCES:
            assert ref.get("idref") in ids, etree.QName(ref).localname
    # The provider is also the awarding body: one organisation record, so identifier notations stay unique.
    notations = [n.text for n in root.iter("{http://www.w3.org/2004/02/skos/core#}notation")]
    assert len(notations) == len(set(notations))
    opportunity = root[0][0]
    children = [etree.QName(c).localname for c in opportunity]
    assert children.index("title") < children.index("mode") < children.index("providedBy") < children.index("status")


def test_the_export_is_read_back_as_an_elm_loq_feed() -> None:
    document = documents.parse(loq_bytes(full_offering(), page_url=PAGE))
    assert document is not None and document.format == "elm_loq"
    assert [r.identifier for r in documents.split(document)] == [PAGE]


def test_xml_is_rendered_from_the_json_ld_mapping() -> None:
    offering = full_offering()
    tree = learning_opportunity(offering, page_url=PAGE)
    assert etree.tostring(render_loq(tree)) == etree.tostring(loq_document(offering, page_url=PAGE))


def test_every_elm_sample_survives_xml_export_and_reimport(samples: Path) -> None:
    for name in ("loq.xml", "loq_withLearningAchievementSpecification.xml"):
        document = documents.parse((samples / "elm-v3" / name).read_bytes())
        assert document is not None
        records = list(documents.split(document))
        assert records, name  # a sample that splits into nothing would round-trip nothing
        for record in records:
            imported = CROSSWALKS["elm_loq"](record, SourceContext(source_id="qdr"))
            again = _round_trip(imported)
            for field in (
                "title",
                "description",
                "mode",
                "assessment_types",
                "isced_f",
                "eqf_level",
                "learning_setting",
                "learning_schedule",
                "offering_type",
                "prerequisites",
                "issuer_country",
                "ects_credits",
                "languages_of_instruction",
                "duration",
            ):
                assert getattr(again, field) == getattr(imported, field), (name, record.identifier, field)
