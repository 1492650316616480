"""A realistic multilingual corpus for the engine contract tests, and plain-Python readings of the contract.

Thirty offerings from six institutions (DE, IT, FR, NL, AT, IE) in German, Italian, French,
Dutch and English, with multilingual titles, diacritics, shared skills, and varied ECTS, EQF
levels, modes, schedules, prices and start dates (relative to today, so ``open`` stays testable).
The expected answers of the tests are computed from these documents in plain Python.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from indexer.base import FACET_DOCUMENT_FIELD, SearchQuery
from indexer.sync import document_for
from offerings.model import Instance, LearningOutcome, Offering, Organisation, Price, QualityAssurance, make_record_id
from offerings.store import Source, Store

TODAY = date.today()

SOURCES = {
    "tum": ("Technische Universität München", "DE", "de"),
    "unibo": ("Università di Bologna", "IT", "it"),
    "sorbonne": ("Sorbonne Université", "FR", "fr"),
    "uva": ("Universiteit van Amsterdam", "NL", "nl"),
    "univie": ("Universität Wien", "AT", "de"),
    "tcd": ("Trinity College Dublin", "IE", "en"),
}

# key, source, titles, description, subjects, outcomes, isced, ects, eqf, mode, schedule, languages,
# start (days from today; None: not stated), price (None: not stated), free, qa, credential type
CORPUS: tuple[tuple[Any, ...], ...] = (
    ("tum-1", "tum", {"de": "Datenanalyse mit Python", "en": "Data Analysis with Python"},
     "Einführung in die Datenanalyse mit pandas und NumPy; Projektarbeit mit echten Datensätzen.",
     ["Datenanalyse", "Python"], ["Daten mit pandas bereinigen und auswerten"], "0613", 5.0, 6, ["online"],
     "part_time", ["de", "en"], 30, 0.0, True, "internal_institutional", "micro_credential"),
    ("tum-2", "tum", {"de": "Maschinelles Lernen: Grundlagen"},
     "Überwachtes und unüberwachtes Lernen; Übungen in Python mit scikit-learn.",
     ["Maschinelles Lernen", "Künstliche Intelligenz"], ["Modelle trainieren und bewerten"], "0613", 6.0, 7,
     ["blended"], "part_time", ["de"], 60, 450.0, False, "external_programme", "micro_credential"),
    ("tum-3", "tum", {"de": "Robotik kompakt"}, "Kinematik, Sensorik und Regelung mobiler Roboter.",
     ["Robotik"], ["Roboter programmieren"], "0714", 4.0, 6, ["onsite"], "full_time", ["de"], -40, 800.0, False,
     "internal_institutional", "certificate"),
    ("tum-4", "tum", {"de": "Nachhaltige Energiesysteme", "en": "Sustainable Energy Systems"},
     "Erneuerbare Energien, Speicher und Netze im Überblick.", ["Energie", "Nachhaltigkeit"],
     ["Energiesysteme bewerten"], "0713", 3.0, 6, ["online"], "self_paced", ["de", "en"], None, None, False,
     "internal_institutional", "micro_credential"),
    ("tum-5", "tum", {"en": "Quantum Computing for Engineers"},
     "Qubits, gates and algorithms; labs in Python with Qiskit.", ["Quantum computing"],
     ["Design simple quantum circuits"], "0533", 5.0, 7, ["online"], "part_time", ["en"], 90, 300.0, False,
     "external_programme", "micro_credential"),
    ("unibo-1", "unibo", {"it": "Università e sostenibilità urbana", "en": "Urban Sustainability"},
     "Pianificazione urbana sostenibile e mobilità dolce nelle città universitarie.",
     ["Sostenibilità", "Urbanistica"], ["Valutare politiche urbane"], "0731", 6.0, 7, ["blended"], "part_time",
     ["it", "en"], 45, 200.0, False, "external_institutional", "micro_credential"),
    ("unibo-2", "unibo", {"it": "Analisi dei dati con R"}, "Statistica applicata e visualizzazione dei dati con R.",
     ["Statistica", "Analisi dei dati"], ["Analizzare dati con R"], "0542", 4.0, 6, ["online"], "self_paced",
     ["it"], 15, 0.0, True, "internal_institutional", "micro_credential"),
    ("unibo-3", "unibo", {"it": "Storia dell'arte medievale"}, "Arte e architettura in Italia dal VI al XIV secolo.",
     ["Storia dell'arte"], ["Riconoscere stili architettonici"], "0222", 3.0, 5, ["onsite"], "full_time", ["it"],
     -100, 150.0, False, "internal_institutional", "certificate"),
    ("unibo-4", "unibo", {"it": "Didattica digitale all'università"},
     "Metodi e strumenti per l'insegnamento online; esempi in Python per l'analisi dell'apprendimento.",
     ["Didattica", "E-learning"], ["Progettare un corso online"], "0111", 2.0, 7, ["online"], "part_time",
     ["it"], 20, 100.0, False, "internal_institutional", "micro_credential"),
    ("unibo-5", "unibo", {"it": "Diritto dell'Unione europea", "en": "EU Law"},
     "Istituzioni, fonti e mercato interno dell'Unione europea.", ["Diritto"], ["Interpretare il diritto UE"],
     "0421", 6.0, 7, ["online", "onsite"], "part_time", ["it", "en"], 120, 350.0, False, "external_programme",
     "micro_credential"),
    ("sorbonne-1", "sorbonne", {"fr": "Introduction à l'intelligence artificielle"},
     "Histoire, méthodes et enjeux éthiques de l'IA; ateliers en Python.",
     ["Intelligence artificielle"], ["Expliquer les méthodes d'apprentissage"], "0613", 4.0, 6, ["online"],
     "self_paced", ["fr"], 10, 0.0, True, "internal_institutional", "micro_credential"),
    ("sorbonne-2", "sorbonne", {"fr": "Économie circulaire"}, "Modèles économiques du réemploi et du recyclage.",
     ["Économie", "Durabilité"], ["Analyser une filière de recyclage"], "0311", 3.0, 6, ["blended"], "part_time",
     ["fr"], 50, 250.0, False, "internal_institutional", "micro_credential"),
    ("sorbonne-3", "sorbonne", {"fr": "Santé publique et épidémiologie"},
     "Mesurer la santé des populations; études de cohorte.", ["Santé publique", "Épidémiologie"],
     ["Lire une étude épidémiologique"], "0988", 6.0, 7, ["onsite"], "full_time", ["fr"], -10, 700.0, False,
     "external_programme", "certificate"),
    ("sorbonne-4", "sorbonne", {"fr": "Cybersécurité : les fondamentaux"},
     "Menaces, cryptographie et bonnes pratiques <sécurité> & conformité.", ["Cybersécurité"],
     ["Évaluer des risques"], "0612", 2.0, 5, ["online"], "self_paced", ["fr", "en"], 5, None, False,
     "internal_institutional", "digital_badge"),
    ("sorbonne-5", "sorbonne", {"fr": "Littérature française du XIXe siècle"}, "Balzac, Flaubert, Zola.",
     ["Littérature"], ["Commenter un texte"], "0232", 3.0, 6, ["onsite"], "full_time", ["fr"], 200, 120.0,
     False, "internal_institutional", "certificate"),
    ("uva-1", "uva", {"nl": "Datawetenschap voor beginners", "en": "Data Science for Beginners"},
     "Statistiek, programmeren in Python en visualisatie.", ["Datawetenschap", "Python"],
     ["Data verzamelen en analyseren"], "0613", 5.0, 6, ["online"], "part_time", ["nl", "en"], 25, 0.0, True,
     "internal_institutional", "micro_credential"),
    ("uva-2", "uva", {"nl": "Klimaatadaptatie in de stad"}, "Hittestress, water en groen in stedelijk gebied.",
     ["Klimaat", "Duurzaamheid"], ["Adaptatiemaatregelen ontwerpen"], "0521", 4.0, 7, ["blended"], "part_time",
     ["nl"], 70, 400.0, False, "external_programme", "micro_credential"),
    ("uva-3", "uva", {"nl": "Nederlands als tweede taal"}, "Lezen, schrijven en spreken op niveau B1.",
     ["Taal"], ["Communiceren in het Nederlands"], "0231", 2.0, None, ["onsite"], "full_time", ["nl"], -5,
     90.0, False, "internal_institutional", "certificate_of_participation"),
    ("uva-4", "uva", {"en": "Behavioural Economics"}, "Nudges, biases and decision making.",
     ["Economics"], ["Explain cognitive biases"], "0311", 6.0, 7, ["online"], "part_time", ["en"], None, 500.0,
     False, "external_institutional", "micro_credential"),
    ("uva-5", "uva", {"en": "Digital Humanities Lab"}, "Text mining of historical sources with Python notebooks.",
     ["Digital humanities", "Python"], ["Apply text mining"], "0229", 3.0, 6, ["blended"], "self_paced",
     ["en", "nl"], 35, 150.0, False, "internal_institutional", "digital_badge"),
    ("univie-1", "univie", {"de": "Europarecht kompakt"}, "Grundfreiheiten und Institutionen der Europäischen Union.",
     ["Recht"], ["Europarecht anwenden"], "0421", 4.0, 7, ["online"], "part_time", ["de"], 40, 250.0, False,
     "external_programme", "micro_credential"),
    ("univie-2", "univie", {"de": "Deutsch als Fremdsprache B2"}, "Sprachkurs mit Schwerpunkt Wissenschaftssprache.",
     ["Sprache"], ["Wissenschaftliche Texte schreiben"], "0231", 2.0, None, ["onsite"], "full_time", ["de"], 14,
     180.0, False, "internal_institutional", "certificate_of_participation"),
    ("univie-3", "univie", {"de": "Österreichische Geschichte"}, "Von der Habsburgermonarchie zur Zweiten Republik.",
     ["Geschichte"], ["Quellen interpretieren"], "0222", 3.0, 6, ["blended"], "part_time", ["de"], -200, 0.0,
     True, "internal_institutional", "certificate"),
    ("univie-4", "univie", {"de": "Statistik mit Python und R"},
     "Regression, Varianzanalyse und Bootstrap mit Python und R.", ["Statistik", "Python"],
     ["Statistische Modelle schätzen"], "0542", 5.0, 6, ["online"], "self_paced", ["de", "en"], 55, 220.0,
     False, "internal_institutional", "micro_credential"),
    ("univie-5", "univie", {"de": "Musikwissenschaft: Wiener Klassik"}, "Haydn, Mozart, Beethoven.",
     ["Musik"], ["Partituren analysieren"], "0215", 3.0, 6, ["onsite"], "full_time", ["de"], 100, 160.0, False,
     "internal_institutional", "certificate"),
    ("tcd-1", "tcd", {"en": "Python Programming for Everyone"}, "Variables, loops, functions and files.",
     ["Python", "Programming"], ["Write small Python programs"], "0613", 5.0, 5, ["online"], "self_paced",
     ["en"], 7, 0.0, True, "internal_institutional", "digital_badge"),
    ("tcd-2", "tcd", {"en": "Irish Literature and Culture"}, "From Joyce to Heaney.", ["Literature"],
     ["Discuss Irish writing"], "0232", 5.0, 6, ["onsite"], "full_time", ["en"], 150, 600.0, False,
     "internal_institutional", "certificate"),
    ("tcd-3", "tcd", {"en": "Sustainable Finance"}, "ESG investing, green bonds and climate risk.",
     ["Finance", "Sustainability"], ["Assess ESG criteria"], "0412", 10.0, 7, ["blended"], "part_time", ["en"],
     80, 1200.0, False, "external_programme", "micro_credential"),
    ("tcd-4", "tcd", {"en": "Research Data Management"}, "FAIR data, repositories and data management plans.",
     ["Data management"], ["Write a data management plan"], "0611", 1.0, 8, ["online"], "self_paced", ["en"],
     None, 0.0, True, "internal_institutional", "micro_credential"),
    ("tcd-5", "tcd", {"en": "Entrepreneurship Bootcamp"}, "Ideation, lean start-up and pitching.",
     ["Entrepreneurship"], ["Pitch a business idea"], "0413", 6.0, 6, ["onsite", "work_based"], "full_time",
     ["en"], 12, 950.0, False, "internal_institutional", "micro_credential"),
)


def make_offering(row: tuple[Any, ...]) -> Offering:
    """An Offering from one CORPUS row."""
    (key, source, titles, description, subjects, outcomes, isced, ects, eqf, mode, schedule, languages, start,
     price, free, qa, credential) = row
    name, country, lang = SOURCES[source]
    start_date = TODAY + timedelta(days=start) if start is not None else None
    return Offering(
        record_id=make_record_id(source, key),
        source_id=source,
        source_format="oai_dc",
        original_identifier=key,
        record_url=f"https://{source}.example.eu/courses/{key}",
        default_language=next(iter(titles)),
        title=dict(titles),
        description={lang: description},
        credential_type=credential,
        provider=[Organisation(name={lang: name}, country=country)],
        issuer_country=[country],
        learning_outcomes=[LearningOutcome(text={lang: text}) for text in outcomes],
        subjects=list(subjects),
        isced_f=[isced],
        ects_credits=ects,
        eqf_level=eqf,
        mode=list(mode),
        learning_schedule=schedule,
        languages_of_instruction=list(languages),
        instances=[
            Instance(
                start_date=start_date,
                end_date=start_date + timedelta(days=60) if start_date else None,
                price=[Price(amount=price)] if price is not None else [],
            )
        ],
        is_free=free,
        quality_assurance=[QualityAssurance(type=qa)],
    )


def record_id(key: str) -> str:
    """The catalogue id of the CORPUS row ``key``."""
    row = next(r for r in CORPUS if r[0] == key)
    return make_record_id(row[1], key)


def fill_store(store: Store) -> None:
    """Register the sources and store every CORPUS offering."""
    for source, (name, country, _lang) in SOURCES.items():
        store.add_source(Source(id=source, url=f"https://{source}.example.eu/oai", name=name, country=country))
    store.upsert_many((make_offering(row), None) for row in CORPUS)


def live_documents(store: Store) -> list[dict[str, Any]]:
    """The search documents of every live record, as sync builds them."""
    return [document_for(r) for r in store.iter_changes(0) if not r.deleted]


def field_values(doc: dict[str, Any], facet: str) -> list[str]:
    """A document's values of a facet, as strings (how filters and facet counts see them)."""
    value = doc.get(FACET_DOCUMENT_FIELD.get(facet, facet))
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None and v != ""]


def matches(doc: dict[str, Any], query: SearchQuery, *, exclude: str | None = None) -> bool:
    """Plain-Python reading of the filter semantics (the text query excepted)."""
    for name, wanted in query.filters.items():
        if name != exclude and wanted and not set(field_values(doc, name)) & set(wanted):
            return False
    ects, price, start = doc["ects_credits"], doc["price"], doc["start_date"]
    checks = [
        query.ects_min is None or (ects is not None and ects >= query.ects_min),
        query.ects_max is None or (ects is not None and ects <= query.ects_max),
        query.price_max is None or doc["free"] or (price is not None and price <= query.price_max),
        query.starts_after is None or (start is not None and start >= query.starts_after),
        query.starts_before is None or (start is not None and start <= query.starts_before),
        not query.free or doc["free"],
        not query.open or not ended(doc),
    ]
    return all(checks)


def ended(doc: dict[str, Any]) -> bool:
    """Whether an offering has ended: its last date (last instance end, else its start) is before today."""
    if "last_date" in doc:
        last = doc["last_date"]
    else:
        last = max((d for d in (doc.get("end_date"), doc.get("start_date")) if d), default=None)
    return last is not None and last < TODAY.isoformat()


def many_offerings(count: int) -> list[Offering]:
    """``count`` distinct offerings made from the CORPUS rows (for load and rebuild tests)."""
    offerings = []
    for i in range(count):
        row = list(CORPUS[i % len(CORPUS)])
        row[0] = f"{row[0]}-n{i}"
        row[2] = {lang: f"{title} {i}" for lang, title in row[2].items()}
        offerings.append(make_offering(tuple(row)))
    return offerings
