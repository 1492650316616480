"""A demo institution whose offerings are well described, published over OAI-PMH in microcred's native format.

The oai_dc feeds show what a catalogue mostly gets (a title, a description, facts mined from free text, so
every one of them is "Incomplete"). This one shows the other end: learning outcomes with ESCO skills,
ISCED-F fields, assessment, quality assurance, prerequisites, stackability and several runs with
application deadlines, so the completeness badges, the comparison and the credit supplement show their
range. The offerings are built as :class:`~offerings.model.Offering` values; the feed disseminates each as
``oai_dc`` and as ``mco`` (the record's JSON, which the ``mco`` crosswalk reads back whole), and the harvester
picks ``mco``, the richer one. (ELM JSON-LD would lose all runs but one: an ELM learning opportunity is one run.)

The ESCO skills are real ESCO v1.2 concepts with their English labels, as the European Commission's
own ELM sample micro-credential cites them (tests/data/samples/elm-v3/Sample-MC-Annex1-unsigned.jsonld).
The institution and its courses are fictional.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from microcred.demo.provider import Provider
from microcred.demo.records import Institution, OfferingRecord
from offerings.model import (
    Concept,
    Instance,
    LearningOutcome,
    Offering,
    Organisation,
    Price,
    QualityAssurance,
    make_record_id,
)

__all__ = ["RICH_INSTITUTION", "RICH_SLUG", "rich_offerings", "rich_provider", "rich_records"]

RICH_SLUG = "lough-corrib"
RICH_INSTITUTION = Institution(
    slug=RICH_SLUG,
    name="Lough Corrib University",
    country="IE",
    homepage="https://www.lough-corrib-university.example/",
    repository_identifier="demo.lough-corrib-university.ie",
    admin_email="microcredentials@lough-corrib-university.example",
)

_ESCO = "http://data.europa.eu/esco/skill/"
DEVELOP_DIGITAL_CONTENT = Concept(
    uri=_ESCO + "5fd5c985-eaaa-47aa-8314-62359c54505a", label={"en": "develop digital content"}
)
COMMUNICATE_WITH_COMMUNITY = Concept(
    uri=_ESCO + "80f308e6-0e09-404a-80cd-ec5f50f6f304", label={"en": "communicate with target community"}
)
COLLABORATIVE_RELATIONS = Concept(
    uri=_ESCO + "326809fc-238d-40c2-881e-40042f7f2f0d", label={"en": "establish collaborative relations"}
)
TEAM_CREATIVITY = Concept(
    uri=_ESCO + "ccdf3597-5c80-410f-896d-e1bdfa223de9", label={"en": "stimulate creativity in the team"}
)

_HOME = RICH_INSTITUTION.homepage.rstrip("/")
_UNIVERSITY = Organisation(
    name={"en": RICH_INSTITUTION.name, "ga": "Ollscoil Loch Coirib"},
    country="IE",
    homepage=RICH_INSTITUTION.homepage,
    ids={"erasmus_code": "IRLCORRIB01", "schac": "lough-corrib-university.example"},
)
_AGENCY = Organisation(name={"en": "Quality and Qualifications Ireland"}, country="IE")


def _outcome(text: str, *skills: Concept) -> LearningOutcome:
    return LearningOutcome(text={"en": text}, esco_skills=[s.uri for s in skills if s.uri], type="skill")


def _run(key: str, start: date, end: date, deadline: date, fee: float) -> Instance:
    return Instance(
        instance_id=key,
        start_date=start,
        end_date=end,
        application_opens=date(deadline.year, max(1, deadline.month - 2), 1),
        application_deadline=deadline,
        enrolment_url=f"{_HOME}/apply/{key}",
        # A free run states no fee (the offering says it is free of charge).
        price=[Price(amount=fee, currency="EUR", label={"en": "Tuition"}, includes_credential=True)] if fee else [],
    )


def _qa(kind: str) -> QualityAssurance:
    return QualityAssurance(
        type=kind,
        title={"en": "Institutional review by QQI"},
        qa_body=_AGENCY,
        decision_date=date(2024, 5, 20),
        expiry_date=date(2031, 5, 19),
    )


def _offering(key: str, **values: object) -> Offering:
    offering = Offering(
        record_id=make_record_id(f"demo-{RICH_SLUG}", key),
        source_id=f"demo-{RICH_SLUG}",
        source_format="mco",
        original_identifier=f"{_HOME}/micro-credentials/{key}",
        record_url=f"{_HOME}/micro-credentials/{key}",
        default_language="en",
        provider=[_UNIVERSITY],
        awarding_body=[_UNIVERSITY],
        issuer_country=["IE"],
        credential_type="micro_credential",
        is_micro_credential=True,
        offering_type=["course"],
        languages_of_instruction=["en"],
        languages_of_assessment=["en"],
        learning_schedule="part_time",
    )
    for name, value in values.items():
        setattr(offering, name, value)
    return offering


@lru_cache(maxsize=1)
def _offerings() -> tuple[Offering, ...]:
    return (
        _offering(
            "digital-content-for-teaching",
            title={"en": "Digital Content Creation for Teaching"},
            description={
                "en": "Plan, produce and publish accessible digital learning content: short videos, interactive "
                "exercises and open educational resources. You build a small course unit for your own "
                "students and test it with them."
            },
            learning_outcomes=[
                _outcome("Produce accessible digital learning content with open tools", DEVELOP_DIGITAL_CONTENT),
                _outcome("Explain a course unit's aims to the learners it is meant for", COMMUNICATE_WITH_COMMUNITY),
            ],
            esco_skills=[DEVELOP_DIGITAL_CONTENT, COMMUNICATE_WITH_COMMUNITY],
            isced_f=["0114", "0611"],
            subjects=["digital education", "open educational resources"],
            ects_credits=5.0,
            workload_hours=125.0,
            eqf_level=6,
            mode=["blended"],
            assessment_types=["artefact_assessment", "peer_review"],
            assessment_description={"en": "A course unit you made, reviewed by two peers and a tutor."},
            quality_assurance=[_qa("external_institutional")],
            prerequisites={"en": "A teaching qualification or two years of teaching experience."},
            stackability="stackable",
            supervision_id_verification="unsupervised_no_id",
            duration="P10W",
            instances=[
                _run("dct-2027-spring", date(2027, 2, 8), date(2027, 4, 16), date(2027, 1, 15), 450.0),
                _run("dct-2027-autumn", date(2027, 9, 20), date(2027, 11, 26), date(2027, 8, 31), 450.0),
                _run("dct-2028-spring", date(2028, 2, 7), date(2028, 4, 14), date(2028, 1, 14), 475.0),
            ],
        ),
        _offering(
            "collaborative-leadership",
            title={"en": "Collaborative Leadership in Project Teams"},
            description={
                "en": "How to lead a team you do not manage: building trust across organisations, running "
                "creative workshops and settling conflicts. Weekly live sessions and a leadership journal."
            },
            learning_outcomes=[
                _outcome("Build working relations between partner organisations", COLLABORATIVE_RELATIONS),
                _outcome("Run a workshop that brings out a team's ideas", TEAM_CREATIVITY),
            ],
            esco_skills=[COLLABORATIVE_RELATIONS, TEAM_CREATIVITY],
            isced_f=["0413"],
            subjects=["leadership", "project management"],
            ects_credits=3.0,
            workload_hours=75.0,
            eqf_level=7,
            mode=["online"],
            assessment_types=["project_work", "oral_examination"],
            assessment_description={"en": "A leadership journal and a 20-minute oral reflection."},
            quality_assurance=[_qa("external_institutional"), QualityAssurance(type="internal_institutional")],
            prerequisites={"en": "A bachelor's degree and some experience of working in teams."},
            stackability="stackable",
            supervision_id_verification="supervised_with_id_online",
            duration="P8W",
            instances=[
                _run("cl-2027-spring", date(2027, 3, 1), date(2027, 4, 26), date(2027, 2, 1), 690.0),
                _run("cl-2027-autumn", date(2027, 10, 4), date(2027, 11, 29), date(2027, 9, 6), 690.0),
            ],
        ),
        _offering(
            "community-engagement-sustainability",
            title={"en": "Community Engagement for Sustainability Projects"},
            description={
                "en": "Local climate and nature projects succeed when the community is in them from the start. "
                "You plan the engagement of one real project, meet its stakeholders on site and report back."
            },
            learning_outcomes=[
                _outcome("Plan how a project talks with the community it affects", COMMUNICATE_WITH_COMMUNITY),
                _outcome("Bring local partners into a project and keep them in it", COLLABORATIVE_RELATIONS),
            ],
            esco_skills=[COMMUNICATE_WITH_COMMUNITY, COLLABORATIVE_RELATIONS],
            isced_f=["0521", "0314"],
            subjects=["sustainability", "community engagement"],
            ects_credits=4.0,
            workload_hours=100.0,
            eqf_level=6,
            mode=["onsite"],
            assessment_types=["project_work", "written_examination"],
            assessment_description={"en": "An engagement plan for a real project and a short written test."},
            quality_assurance=[_qa("external_programme")],
            prerequisites={"en": "None: open to anyone working on or volunteering in a local project."},
            stackability="stand_alone",
            supervision_id_verification="supervised_with_id_onsite",
            duration="P6W",
            instances=[
                _run("ce-2027-may", date(2027, 5, 3), date(2027, 6, 11), date(2027, 4, 2), 0.0),
                _run("ce-2027-sep", date(2027, 9, 6), date(2027, 10, 15), date(2027, 8, 6), 0.0),
            ],
            is_free=True,
        ),
    )


def rich_offerings() -> list[Offering]:
    """The institution's offerings, as the catalogue should read them back."""
    return list(_offerings())


def rich_records() -> list[OfferingRecord]:
    """The feed's records: each offering with its Dublin Core summary (for ``oai_dc``) and itself (``mco``)."""
    records = []
    for offering in _offerings():
        first = offering.instances[0]
        key = offering.record_url.rsplit("/", 1)[-1] if offering.record_url else offering.record_id
        records.append(
            OfferingRecord(
                identifier=f"oai:{RICH_INSTITUTION.repository_identifier}:{key}",
                title=offering.title["en"],
                description=offering.description["en"],
                language="en",
                publisher=RICH_INSTITUTION.name,
                country=RICH_INSTITUTION.country,
                landing_url=offering.record_url or RICH_INSTITUTION.homepage,
                datestamp=datetime(2026, 11, 2, 9, 30),
                subjects=tuple(offering.subjects),
                ects=offering.ects_credits,
                eqf_level=offering.eqf_level,
                mode=offering.mode[0],
                start_date=first.start_date,
                end_date=first.end_date,
                price_eur=first.price[0].amount if first.price else None,
                isced_f=tuple(offering.isced_f),
                offering=offering,
            )
        )
    return records


def rich_provider(batch_size: int = 10) -> Provider:
    """A fresh OAI-PMH provider of the institution's records."""
    return Provider(RICH_INSTITUTION, rich_records(), batch_size=batch_size)
