"""The one place tests build an :class:`~offerings.model.Offering`.

:func:`offering` is a small valid record (a title, a provider, credits) that a test changes by
keyword; :func:`full_offering` one with every field of docs/normalisation.md §2 set, for round
trips and completeness. Fixture catalogues (tests/indexer/corpus.py, tests/search_ui/conftest.py)
build their rows with :func:`offering` too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from offerings.model import (
    Concept,
    Contact,
    Grant,
    Identifier,
    Instance,
    LearningOutcome,
    Offering,
    Organisation,
    OtherCredit,
    PartOf,
    Place,
    Price,
    Provenance,
    QualityAssurance,
    make_record_id,
)

ESCO = "http://data.europa.eu/esco/skill/"
SKILL_1 = ESCO + "ccdf3597-5c80-410f-896d-e1bdfa223de9"
SKILL_2 = ESCO + "5fd5c985-eaaa-47aa-8314-62359c54505a"


def offering(n: int = 1, *, source: str = "src", key: str | None = None, **changes: Any) -> Offering:
    """A small valid offering: record ``key`` (``id-<n>``) of ``source``, "Course <n>" by Uni (NL), 5 ECTS.

    Any field of :class:`Offering` may be given in ``changes``, including the record id, which is
    otherwise derived from ``source`` and ``key``.
    """
    key = f"id-{n}" if key is None else key
    values: dict[str, Any] = dict(
        record_id=make_record_id(source, key),
        source_id=source,
        source_format="oai_dc",
        original_identifier=key,
        title={"en": f"Course {n}"},
        provider=[Organisation(name={"en": "Uni"}, country="NL")],
        ects_credits=5.0,
    )
    values.update(changes)
    return Offering(**values)


def full_offering(**changes: Any) -> Offering:
    """An Annex I complete offering with every optional part filled in."""
    university = Organisation(
        name={"en": "University of Zed", "ga": "Ollscoil Z"},
        country="IE",
        homepage="https://uniz.example.edu",
        ids={"erasmus_code": "IRLDUBLIN99", "schac": "uniz.example.edu", "pic": "999999999"},
        region="http://data.europa.eu/nuts/code/IE061",
        address="Instant Street 16, D08 Dublin",
        other_ids=[Identifier(value="654321", scheme="vat")],
    )
    agency = Organisation(name={"en": "Quality and Qualifications Ireland"}, country="IE")
    values: dict[str, Any] = dict(
        record_id=make_record_id("zed", "LOP-1"),
        source_id="zed",
        source_format="elm_jsonld",
        original_identifier="LOP-1",
        record_url="https://uniz.example.edu/mc/digital-credentials",
        harvest_datestamp="2027-01-10T09:00:00Z",
        source_last_modified="2027-01-09",
        default_language="en",
        record_license="CC-BY-4.0",
        title={"en": "Digital micro-credential creation", "es": "Creación de microcredenciales"},
        description={"en": "Learn to design, issue and verify European Digital Credentials."},
        offering_type=["short_learning_programme"],
        credential_type="micro_credential",
        provider=[university],
        awarding_body=[university],
        issuer_country=["IE"],
        learning_outcomes=[
            LearningOutcome(
                text={"en": "Communication, collaboration and creativity"},
                esco_skills=[SKILL_1],
                type="skill",
                reusability="http://data.europa.eu/snb/skill-reuse-level/cross-sector",
            ),
            LearningOutcome(
                text={"en": "Developing digital content", "es": "Contenido digital"},
                esco_skills=[SKILL_2],
                other_skills=["http://data.europa.eu/snb/dcf/u69o196gu6"],
            ),
        ],
        learning_outcome_summary={"en": "Design and issue digital credentials."},
        subjects=["digital credentials", "ELM"],
        isced_f=["0688", "0031"],
        ects_credits=2.0,
        workload_hours=60.0,
        workload_basis="declared_ects",
        eqf_level=6,
        mode=["blended"],
        learning_schedule="part_time_light",
        languages_of_instruction=["en"],
        instances=[
            Instance(
                instance_id="run-2027-spring",
                start_date=date(2027, 3, 1),
                end_date=date(2027, 4, 30),
                application_opens=date(2027, 1, 1),
                application_deadline=date(2027, 2, 15),
                enrolment_url="https://uniz.example.edu/apply",
                duration="P2M",
                location="Dublin",
                venues=[Place(name="Campus Dublin", country="IE", region="http://data.europa.eu/nuts/code/IE061")],
                places_available=30,
                price=[Price(amount=250.0, currency="EUR", label={"en": "EU learners"})],
            )
        ],
        price=[Price(amount=400.0, currency="EUR", label={"en": "Standard fee"}, audience={"en": "non-EU"})],
        is_free=False,
        assessment_types=["artefact_assessment"],
        assessment_description={"en": "A digital artefact: an unsigned sample credential."},
        quality_assurance=[
            QualityAssurance(
                type="external_institutional",
                elm_type="institutional_qa",
                title={"en": "Institutional review"},
                qa_body=agency,
                decision_date=date(2024, 5, 20),
                expiry_date=date(2030, 5, 19),
                report_url="https://www.qqi.ie/reports/uniz",
            )
        ],
        prerequisites={"en": "An EU Login account."},
        stackability="stackable",
        field_provenance={"subjects": Provenance(source_path="description", method="parsed", confidence=0.6)},
        other_identifiers=[Identifier(value="MC-DIG-01", scheme="course code")],
        credential_title={"en": "Digital micro-credential creation"},
        alternative_titles=[{"en": "DMCC"}],
        is_micro_credential=True,
        credential_formats=["edc"],
        issuer_region=["http://data.europa.eu/nuts/code/IE061"],
        esco_skills=[Concept(uri=SKILL_1, label={"en": "stimulate creativity in the team"})],
        occupations=[Concept(uri="http://data.europa.eu/esco/occupation/0c3b0e3e-0e3e-4e3e-8e3e-0e3e0e3e0e3e")],
        target_groups=[Concept(uri="http://data.europa.eu/snb/target-group/cbedf28444", label={"en": "Workers"})],
        other_credits=[OtherCredit(value=4.0, system="UK credits", level="7")],
        contact_hours=12.0,
        qf_ehea_cycle="first",
        nqf_level=[Concept(uri="http://data.europa.eu/snb/qdr/c_c392e7a2", label={"en": "RQF Level 6"})],
        level_text={"en": "Intermediate"},
        synchronicity="mixed",
        learning_setting="non_formal",
        learning_activity_types=["e_learning"],
        languages_of_assessment=["en"],
        duration="P2M",
        max_duration="P6M",
        enrolment_model="fixed_dates",
        schedule_info={"en": "Tuesday evenings"},
        admission_procedure={"en": "Apply online."},
        grants=[Grant(title={"en": "Springboard+"}, url="https://springboardcourses.ie")],
        supervision_id_verification="unsupervised_no_id",
        grading_scheme={"en": "Pass/fail"},
        required_competencies=[SKILL_2],
        part_of=[PartOf(title={"en": "Certificate in Digital Credentials"}, id="Q-9", credential_type="certificate")],
        has_parts=["LOP-2"],
        recognition_info={"en": "Recognised towards the certificate."},
        further_information={"en": "See the credit supplement."},
        supplementary_documents=["https://uniz.example.edu/mc/supplement.pdf"],
        contact=Contact(email="microcredentials@uniz.example.edu", url="https://uniz.example.edu/contact"),
        image_url="https://uniz.example.edu/banner.png",
        source_status="released",
    )
    values.update(changes)
    return offering(**values)
