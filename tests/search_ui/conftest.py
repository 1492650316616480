"""A small real catalogue for the web app: a SQLite store, the SQLite engine synced from it, and the app.

Twenty offerings from three sources (NL, DE, FR, plus one each from PT and IT) with varied
languages, modes, ECTS, EQF levels, prices and start dates; one more is tombstoned. Built once per
module, since no test here writes to it; tests that need to change things build their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import Settings
from indexer.sqlite import SqliteEngine
from indexer.sync import sync
from offerings.model import (
    Concept,
    Instance,
    LearningOutcome,
    Offering,
    Organisation,
    Price,
    Provenance,
    QualityAssurance,
    make_record_id,
)
from offerings.store import Source, Store
from search_ui import create_app
from tests import factories
from tests.conftest import make_settings

SOURCES = (
    Source(id="nl-uni", url="http://127.0.0.1:9/oai", kind="oai", name="Universiteit Voorbeeld", country="NL"),
    Source(id="de-hs", url="http://127.0.0.1:9/catalogue.xml", kind="feed", name="Hochschule Beispiel", country="DE"),
    Source(id="fr-univ", url="http://127.0.0.1:9/", kind="web", name="Université Exemple", country="FR"),
)
PROVIDERS = {
    "NL": Organisation(
        name={"nl": "Universiteit Voorbeeld", "en": "Example University"},
        country="NL",
        homepage="https://uni.example.nl",
        ids={"erasmus_code": "NL VOORBEE01", "schac": "uni.example.nl", "deqar": "DEQARINST0999"},
    ),
    "DE": Organisation(name={"de": "Hochschule Beispiel"}, country="DE"),
    "FR": Organisation(name={"fr": "Université Exemple"}, country="FR"),
    "PT": Organisation(name={"pt": "Universidade Exemplo"}, country="PT"),
    "IT": Organisation(name={"it": "Università Esempio"}, country="IT"),
}
SOURCE_OF = {"NL": "nl-uni", "DE": "de-hs", "FR": "fr-univ", "PT": "fr-univ", "IT": "de-hs"}

# key, title, country, languages, mode, ects, eqf, start, fee (None: not stated, 0: free)
ROWS: tuple[tuple[Any, ...], ...] = (
    ("nl-1", "Data Science Foundations", "NL", ["en"], ["online"], 5.0, 6, "2030-02-01", 0),
    ("nl-2", "Sustainability in Practice", "NL", ["en", "nl"], ["blended"], 3.0, 6, "2030-03-01", 250),
    ("nl-3", "Nederlandse taal voor beginners", "NL", ["nl"], ["onsite"], 2.5, 5, "2020-09-01", 100),
    ("nl-4", "Machine Learning for Health", "NL", ["en"], ["online"], 6.0, 7, "2030-09-15", 900),
    ("nl-5", "Circular Economy", "NL", ["en"], ["onsite"], 4.0, 7, None, None),
    ("nl-6", "Water Management", "NL", ["en"], ["blended"], 10.0, 7, "2031-01-10", 1200),
    ("nl-7", "Data & Society <intro>", "NL", ["en"], ["online"], 1.0, 5, "2030-05-01", 0),
    ("de-1", "Grundlagen der Datenanalyse", "DE", ["de"], ["online"], 5.0, 6, "2030-04-01", 0),
    ("de-2", "Nachhaltige Logistik", "DE", ["de", "en"], ["onsite"], 3.0, 6, "2030-10-01", 400),
    ("de-3", "Robotik kompakt", "DE", ["de"], ["onsite"], 8.0, 7, "2021-03-01", 800),
    ("de-4", "Projektmanagement", "DE", ["de"], ["blended"], 2.0, 5, "2030-06-01", 150),
    ("de-5", "Erneuerbare Energien", "DE", ["de"], ["work_based"], 6.0, 6, "2030-11-01", None),
    ("de-6", "Digital Ethics", "DE", ["en"], ["online"], 3.0, 7, "2030-07-01", 0),
    ("fr-1", "Introduction à l'intelligence artificielle", "FR", ["fr"], ["online"], 4.0, 6, "2030-01-15", 0),
    ("fr-2", "Gestion de projet agile", "FR", ["fr"], ["onsite"], 3.0, 5, "2030-02-20", 300),
    ("fr-3", "Économie circulaire", "FR", ["fr", "en"], ["blended"], 5.0, 6, "2030-03-20", 500),
    ("fr-4", "Santé publique", "FR", ["fr"], ["online"], 6.0, 7, "2019-10-01", 700),
    ("fr-5", "Cybersécurité", "FR", ["fr"], ["online"], 2.0, 6, "2030-08-01", None),
    ("pt-1", "Spanish Language and Culture II", "PT", ["es"], ["onsite"], 3.0, None, "2030-02-10", 90),
    ("it-1", "Storia dell'arte", "IT", ["it"], ["onsite"], None, None, None, None),
)
WITHDRAWN = "nl-gone"
ESCO_DIGITAL_CONTENT = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
ESCO_COLLABORATION = "http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d"
MINIMAL = "it-1"  # an offering with almost nothing stated: the supplement shows "not stated"


def rid(key: str) -> str:
    """The record id of fixture offering ``key``."""
    return make_record_id(SOURCE_OF[key.split("-")[0].upper()], key)


def make_offering(
    key: str,
    title: str,
    country: str,
    languages: list[str],
    mode: list[str],
    ects: float | None,
    eqf: int | None,
    start: str | None,
    fee: float | None,
    **overrides: Any,
) -> Offering:
    """One offering of the fixture catalogue; ``it-1`` is deliberately sparse."""
    values: dict[str, Any] = {
        "record_id": rid(key),
        "title": {languages[0]: title},
        "default_language": languages[0],
        "provider": [PROVIDERS[country]],
        "languages_of_instruction": languages,
        "mode": mode,
        "ects_credits": ects,
        "eqf_level": eqf,
    }
    if key != MINIMAL:
        values |= {
            "record_url": f"https://courses.example.{country.lower()}/{key}",
            "description": {languages[0]: f"{title}: a short course. <script>alert('{key}')</script> Apply now."},
            "awarding_body": [PROVIDERS[country]],
            "issuer_country": [country],
            "learning_outcomes": [LearningOutcome(text={"en": f"Explain the core ideas of {title}"})],
            "assessment_types": ["written_examination"],
            "quality_assurance": [QualityAssurance(type="internal_institutional")],
            "learning_schedule": "part_time",
            "credential_type": "micro_credential",
            "prerequisites": {"en": "None beyond secondary education."},
            "stackability": "stackable",
            "instances": [Instance(start_date=date.fromisoformat(start))] if start else [],
            "price": [Price(amount=fee)] if fee is not None else [],
            "is_free": fee == 0 if fee is not None else None,
        }
    values.update(overrides)
    return factories.offering(source=SOURCE_OF[country], key=key, **values)


def fixture_offerings() -> list[Offering]:
    """The twenty live offerings."""
    offerings = [make_offering(*row) for row in ROWS]
    # One with values parsed and inferred, to show the provenance notes.
    first = offerings[0]
    first.field_provenance = {
        "ects_credits": Provenance(source_path="dc:description", method="parsed", confidence=0.8),
        "awarding_body": Provenance(source_path="provider", method="inferred", confidence=0.6),
    }
    first.subjects = ["data science", "statistics"]
    first.isced_f = ["0541"]
    # ESCO skills as the Commission's ELM sample labels them (on fr-1; fr-2 shares one, unlabelled).
    by_key = {o.original_identifier: o for o in offerings}
    by_key["fr-1"].esco_skills = [
        Concept(uri=ESCO_DIGITAL_CONTENT, label={"en": "develop digital content"}),
        Concept(uri=ESCO_COLLABORATION, label={"en": "establish collaborative relations"}),
    ]
    by_key["fr-2"].esco_skills = [Concept(uri=ESCO_DIGITAL_CONTENT)]
    return offerings


@dataclass
class Catalogue:
    """The store and engine behind the app, and what the tests compare against."""

    settings: Settings
    store: Store
    engine: SqliteEngine
    offerings: list[Offering]
    withdrawn_id: str


def build_catalogue(root: Path) -> Catalogue:
    """Fill a fresh store, tombstone one offering and sync the engine."""
    settings = make_settings(root, secret_key="test-secret")
    store = Store(settings.store_url)
    for source in SOURCES:
        store.sources.add(source)
    offerings = fixture_offerings()
    store.upsert_many((o, None) for o in offerings)
    gone = make_offering(WITHDRAWN, "Withdrawn Course", "NL", ["en"], ["online"], 5.0, 6, "2030-01-01", 0)
    store.upsert(gone)
    store.delete_many([gone.record_id])
    run = store.sources.start_run("nl-uni", full=True)
    store.sources.finish_run(run, status="success", seen=8, added=8, duration_seconds=1.5)
    run = store.sources.start_run("nl-uni", full=False)
    store.sources.finish_run(run, status="failed", error="OAI-PMH badArgument: from", duration_seconds=0.2)
    engine = SqliteEngine(root / "search")
    sync(store, engine)
    return Catalogue(settings, store, engine, offerings, gone.record_id)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    """The shared read-only catalogue of a test module."""
    built = build_catalogue(tmp_path_factory.mktemp("catalogue"))
    yield built
    built.engine.close()
    built.store.close()


@pytest.fixture
def app(catalogue: Catalogue) -> Flask:
    """The web app over the shared catalogue."""
    application = create_app(catalogue.settings, store=catalogue.store, engine=catalogue.engine)
    application.testing = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()
