"""Write the labelled evaluation set of issue 14 (``records.jsonl``) with each record's truth per field.

Synthetic records modelled on how HEIs write them (the real samples in tests/data/samples): oai_dc,
schema.org JSON-LD, XCRI-CAP 1.2 and ELM v3 JSON-LD, in ten EHEA languages. Every value a record states
is drawn from per-language phrasings, and the truth is written from the same draw, so it never depends
on what a crosswalk makes of the text. A field the record does not state, or states ambiguously
("3 credits" in English with no other sign of the country), has an empty truth (``None`` or ``[]``).

Run ``python tests/data/eval/generate.py`` to rewrite the file; the seed is fixed, so the output only
changes when this script does. See README.md beside it for the rules the truth follows.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

SEED = 14
OUT = Path(__file__).with_name("records.jsonl")

# Countries of the EHEA where a language is an official language of higher education (as far as this set
# uses them). The credit-unit rule reads this: a unit is ECTS by language when it is ECTS in all of them.
LANG_COUNTRIES = {
    "en": ["GB", "IE", "MT"],
    "de": ["DE", "AT", "CH"],
    "fr": ["FR", "BE", "CH", "LU"],
    "nl": ["NL", "BE"],
    "fi": ["FI"],
    "sv": ["SE"],
    "it": ["IT"],
    "es": ["ES"],
    "pt": ["PT"],
    "pl": ["PL"],
}
TLD = {
    "GB": "ac.uk",
    "IE": "ie",
    "MT": "edu.mt",
    "DE": "de",
    "AT": "ac.at",
    "CH": "ch",
    "FR": "fr",
    "BE": "be",
    "LU": "lu",
    "NL": "nl",
    "FI": "fi",
    "SE": "se",
    "IT": "it",
    "ES": "es",
    "PT": "pt",
    "PL": "edu.pl",
}
# Erasmus codes start with the country's letters, padded to three characters.
ERASMUS = {
    "GB": "UK ",
    "IE": "IRL",
    "MT": "MT ",
    "DE": "D  ",
    "AT": "A  ",
    "CH": "CH ",
    "FR": "F  ",
    "BE": "B  ",
    "LU": "LUX",
    "NL": "NL ",
    "FI": "SF ",
    "SE": "S  ",
    "IT": "I  ",
    "ES": "E  ",
    "PT": "P  ",
    "PL": "PL ",
}
COUNTRY_NAMES = {
    "en": {"GB": "United Kingdom", "IE": "Ireland", "MT": "Malta"},
    "de": {"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz"},
    "fr": {"FR": "France", "BE": "Belgique", "CH": "Suisse", "LU": "Luxembourg"},
    "nl": {"NL": "Nederland", "BE": "België"},
    "fi": {"FI": "Suomi"},
    "sv": {"SE": "Sverige"},
    "it": {"IT": "Italia"},
    "es": {"ES": "España"},
    "pt": {"PT": "Portugal"},
    "pl": {"PL": "Polska"},
}
INSTITUTIONS = {
    "en": ["University of Ashford", "Kilbrook Institute of Technology", "Northgate College of Arts"],
    "de": [
        "Technische Hochschule Nordheim",
        "Universität Lindenau",
        "Hochschule für Angewandte Wissenschaften Ostfeld",
    ],
    "fr": ["Université de Valmont", "École supérieure d'ingénieurs de Corbières", "Haute école de Saint-Brieux"],
    "nl": ["Hogeschool Waterland", "Universiteit van Delvoorde", "Technische Universiteit Oostmark"],
    "fi": ["Järvenrannan yliopisto", "Pohjolan ammattikorkeakoulu", "Koskelan yliopisto"],
    "sv": ["Norrviks universitet", "Högskolan i Ekdal", "Sjöbergs tekniska högskola"],
    "it": ["Università degli Studi di Montecorvo", "Politecnico di Valfiora", "Università di Castelrosso"],
    "es": ["Universidad de Villaverde", "Universidad Politécnica de Almonte", "Universitat de Serralta"],
    "pt": ["Universidade de Vila Alta", "Instituto Politécnico de Ribamar", "Universidade do Alvor"],
    "pl": ["Uniwersytet w Borowicach", "Politechnika Jeziorańska", "Akademia Nauk Stosowanych w Lesku"],
}
TOPICS = {
    "en": [
        "Data Literacy for Public Administration",
        "Sustainable Supply Chains",
        "Clinical Research Ethics",
        "Introduction to Machine Learning",
        "Circular Economy in Practice",
        "Academic Writing in English",
    ],
    "de": [
        "Datenkompetenz in der Verwaltung",
        "Nachhaltiges Lieferkettenmanagement",
        "Grundlagen der KI",
        "Wasserstofftechnik kompakt",
        "Digitale Lehre gestalten",
        "Projektmanagement agil",
    ],
    "fr": [
        "Transition énergétique des territoires",
        "Introduction à la science des données",
        "Droit du numérique",
        "Pédagogie universitaire",
        "Gestion de projet durable",
        "Cybersécurité",
    ],
    "nl": [
        "Datageletterdheid voor professionals",
        "Circulaire economie",
        "Zorginnovatie",
        "Inleiding programmeren in Python",
        "Duurzaam ondernemen",
        "Leiderschap in onderwijs",
    ],
    "fi": [
        "Tekoälyn perusteet",
        "Kestävä liiketoiminta",
        "Terveysteknologia",
        "Digitaalinen markkinointi",
        "Kiertotalous käytännössä",
        "Ohjelmoinnin perusteet",
    ],
    "sv": [
        "Hållbar stadsutveckling",
        "Introduktion till maskininlärning",
        "Ledarskap i vården",
        "Cirkulär ekonomi",
        "Digital pedagogik",
        "Projektledning",
    ],
    "it": [
        "Fondamenti di intelligenza artificiale",
        "Economia circolare",
        "Gestione dei beni culturali",
        "Sostenibilità ambientale",
        "Didattica digitale",
        "Analisi dei dati",
    ],
    "es": [
        "Fundamentos de ciencia de datos",
        "Economía circular",
        "Gestión sanitaria",
        "Transformación digital",
        "Energías renovables",
        "Innovación docente",
    ],
    "pt": [
        "Introdução à ciência de dados",
        "Economia circular",
        "Gestão de projetos",
        "Literacia digital",
        "Energias renováveis",
        "Inovação pedagógica",
    ],
    "pl": [
        "Podstawy sztucznej inteligencji",
        "Gospodarka o obiegu zamkniętym",
        "Analiza danych",
        "Zarządzanie projektami",
        "Cyberbezpieczeństwo",
        "Dydaktyka cyfrowa",
    ],
}
# How a record names a language: ISO 639-1, 639-2/B and /T, a locale, the name in English and in itself.
LANGUAGE_NOTATIONS = {
    "en": ["en", "eng", "en_GB", "English", "en-IE"],
    "de": ["de", "ger", "deu", "Deutsch", "German", "de-DE"],
    "fr": ["fr", "fre", "fra", "français", "French", "fr-FR"],
    "nl": ["nl", "dut", "nld", "Nederlands", "Dutch"],
    "fi": ["fi", "fin", "suomi", "Finnish"],
    "sv": ["sv", "swe", "svenska", "Swedish"],
    "it": ["it", "ita", "italiano", "Italian"],
    "es": ["es", "spa", "español", "Spanish", "es_ES"],
    "pt": ["pt", "por", "português", "Portuguese", "pt-PT"],
    "pl": ["pl", "pol", "polski", "Polish"],
}
# The language-specific words; "{n}" is a number, "{d}" a date as written.
WORDS: dict[str, dict[str, list[str]]] = {
    "en": {
        "ects": ["{n} ECTS", "{n} ECTS credits", "Credits: {n} ECTS"],
        "national": [],
        "generic": ["{n} credits", "Credits: {n}"],
        "hours": ["{n} hours of study", "Workload: {n} hours", "{n} h total learning time"],
        "start": ["Starts {d}", "Start date: {d}", "Course starts {d}"],
        "deadline": ["Application deadline: {d}", "Apply by {d}", "Applications close {d}"],
        "price": ["Fee: {p}", "Course fee {p}", "Cost: {p}"],
        "free": ["Free of charge", "This course is free."],
        "online": ["Delivered fully online.", "Mode: online"],
        "onsite": ["Taught on campus.", "Face-to-face delivery"],
        "blended": ["Blended learning (online and on campus).", "Hybrid delivery"],
        "written_examination": ["Assessment: written exam", "assessed by a written examination"],
        "project_work": ["Assessment: project work", "assessed through a group project"],
        "portfolio": ["Assessment: portfolio", "assessed by an e-portfolio"],
        "eqf": ["EQF level {n}", "EQF {n}"],
        "duration": ["12 weeks part-time", "Duration: 6 weeks", "8 weeks"],
        "intro": ["This micro-credential introduces", "A short course on", "Learn the essentials of"],
    },
    "de": {
        "ects": ["{n} ECTS", "{n} ECTS-Punkte", "Umfang: {n} ECTS"],
        "national": ["{n} LP", "{n} Leistungspunkte", "{n} CP"],
        "generic": [],
        "hours": ["Workload: {n} Stunden", "{n} Std. Arbeitsaufwand", "Arbeitsaufwand {n} h"],
        "start": ["Beginn: {d}", "Start: {d}", "Kursbeginn {d}"],
        "deadline": ["Anmeldeschluss: {d}", "Bewerbungsfrist: {d}", "Anmeldung bis {d}"],
        "price": ["Gebühr: {p}", "Teilnahmegebühr {p}", "Kosten: {p}"],
        "free": ["Die Teilnahme ist kostenlos.", "Teilnahmegebühr: kostenlos"],
        "online": ["Format: online", "Reines Online-Format (Fernlehre)."],
        "onsite": ["Präsenzveranstaltung vor Ort.", "Format: Präsenz"],
        "blended": ["Blended Learning (Präsenz und online).", "Format: hybrid"],
        "written_examination": ["Prüfung: Klausur", "Abschluss mit schriftlicher Prüfung"],
        "project_work": ["Prüfungsform: Projektarbeit", "Leistungsnachweis durch eine Projektarbeit"],
        "portfolio": ["Prüfungsform: Portfolio", "Leistungsnachweis: Portfolio"],
        "eqf": ["EQR-Niveau {n}", "DQR/EQR Niveau {n}", "EQF-Level {n}"],
        "duration": ["Dauer: 6 Wochen", "6 Wochen", "über 10 Wochen"],
        "intro": ["Das Mikrozertifikat vermittelt", "Der Kurs führt ein in", "Sie lernen"],
    },
    "fr": {
        "ects": ["{n} ECTS", "{n} crédits ECTS"],
        "national": [],
        "generic": ["{n} crédits", "Crédits : {n}"],
        "hours": ["Charge de travail : {n} heures", "{n} heures de formation", "{n} h de travail personnel"],
        "start": ["Début : {d}", "Date de début : {d}", "Début de la formation : {d}"],
        "deadline": ["Date limite d'inscription : {d}", "Inscriptions jusqu'au {d}", "Clôture des inscriptions : {d}"],
        "price": ["Frais d'inscription : {p}", "Tarif : {p}", "Coût : {p}"],
        "free": ["Formation gratuite.", "Frais : gratuit"],
        "online": ["Formation en ligne.", "Modalité : à distance"],
        "onsite": ["Formation en présentiel.", "Modalité : présentiel"],
        "blended": ["Formation hybride (présentiel et à distance).", "Modalité : hybride"],
        "written_examination": ["Évaluation : examen écrit", "évaluée par un examen écrit"],
        "project_work": ["Évaluation : projet", "évaluée par un projet tutoré"],
        "portfolio": ["Évaluation : portfolio", "évaluée sur portfolio"],
        "eqf": ["niveau CEC {n}", "CEC niveau {n}", "niveau EQF {n}"],
        "duration": ["Durée : 3 mois", "3 mois", "Durée : 6 semaines"],
        "intro": ["Ce microcertificat présente", "Une formation courte sur", "Découvrez"],
    },
    "nl": {
        "ects": ["{n} ECTS", "Studielast: {n} ECTS"],
        "national": ["{n} EC", "{n} studiepunten"],
        "generic": [],
        "hours": ["Studiebelasting: {n} uur", "{n} uur studiebelasting"],
        "start": ["Start: {d}", "Aanvang: {d}", "Startdatum: {d}"],
        "deadline": ["Aanmelden tot {d}", "Uiterste aanmelddatum: {d}", "Inschrijven kan tot {d}"],
        "price": ["Kosten: {p}", "Collegegeld: {p}", "Prijs: {p}"],
        "free": ["Deelname is kosteloos.", "Kosten: gratis"],
        "online": ["Volledig online.", "Vorm: online"],
        "onsite": ["Op locatie (klassikaal).", "Vorm: op locatie"],
        "blended": ["Blended: online en op locatie.", "Vorm: hybride"],
        "written_examination": ["Toetsing: schriftelijk tentamen", "afgesloten met een schriftelijk tentamen"],
        "project_work": ["Toetsing: projectopdracht", "afgesloten met een projectopdracht"],
        "portfolio": ["Toetsing: portfolio", "beoordeling op basis van een portfolio"],
        "eqf": ["NLQF/EQF niveau {n}", "EQF-niveau {n}"],
        "duration": ["Duur: 8 weken", "8 weken"],
        "intro": ["Deze microcredential behandelt", "Een korte cursus over", "Je leert"],
    },
    "fi": {
        "ects": ["{n} ECTS", "Laajuus: {n} ECTS"],
        "national": ["{n} op", "Laajuus {n} op", "{n} opintopistettä"],
        "generic": [],
        "hours": ["Työmäärä {n} tuntia", "{n} tuntia opiskelua"],
        "start": ["Alkaa {d}", "Alkamispäivä: {d}", "Opetus alkaa {d}"],
        "deadline": ["Ilmoittautuminen päättyy {d}", "Hakuaika päättyy {d}", "Ilmoittaudu viimeistään {d}"],
        "price": ["Hinta: {p}", "Osallistumismaksu {p}"],
        "free": ["Koulutus on maksuton.", "Hinta: maksuton"],
        "online": ["Toteutus verkossa.", "Toteutustapa: verkko-opetus"],
        "onsite": ["Lähiopetus kampuksella.", "Toteutustapa: lähiopetus"],
        "blended": ["Monimuoto-opetus (verkko ja lähiopetus).", "Toteutustapa: monimuoto"],
        "written_examination": ["Arviointi: kirjallinen tentti", "arvioidaan kirjallisella tentillä"],
        "project_work": ["Arviointi: projektityö", "arvioidaan projektityön perusteella"],
        "portfolio": ["Arviointi: portfolio", "arvioidaan portfolion perusteella"],
        "eqf": ["EQF-taso {n}", "EQF {n}"],
        "duration": ["Kesto 6 viikkoa", "6 viikkoa"],
        "intro": ["Mikrotutkinto esittelee", "Lyhytkurssi aiheesta", "Opit"],
    },
    "sv": {
        "ects": ["{n} ECTS", "Omfattning: {n} ECTS"],
        "national": ["{n} hp", "{n} högskolepoäng", "Omfattning {n} hp"],
        "generic": [],
        "hours": ["Arbetsbelastning: {n} timmar", "{n} timmar studier"],
        "start": ["Kursstart: {d}", "Start {d}", "Kursen startar {d}"],
        "deadline": ["Sista anmälningsdag: {d}", "Anmälan senast {d}", "Ansök senast {d}"],
        "price": ["Avgift: {p}", "Kursavgift {p}"],
        "free": ["Kursen är avgiftsfri.", "Avgift: gratis"],
        "online": ["Kursen ges på distans.", "Undervisning: online"],
        "onsite": ["Undervisning på campus.", "Studieform: campus"],
        "blended": ["Kombinerad distans och campus (blended).", "Studieform: hybrid"],
        "written_examination": ["Examination: skriftlig tentamen", "examineras genom skriftlig tentamen"],
        "project_work": ["Examination: projektarbete", "examineras genom ett projektarbete"],
        "portfolio": ["Examination: portfolio", "examineras genom en portfolio"],
        "eqf": ["EQF-nivå {n}", "EQF {n}"],
        "duration": ["10 veckor, halvfart", "Längd: 10 veckor"],
        "intro": ["Kursen introducerar", "En kort kurs om", "Du lär dig"],
    },
    "it": {
        "ects": ["{n} ECTS", "{n} crediti ECTS"],
        "national": ["{n} CFU", "Crediti formativi: {n} CFU"],
        "generic": ["{n} crediti"],
        "hours": ["Impegno: {n} ore", "{n} ore di studio"],
        "start": ["Inizio: {d}", "Data di inizio: {d}", "Inizio corso {d}"],
        "deadline": ["Scadenza iscrizioni: {d}", "Iscrizioni entro il {d}", "Termine per l'iscrizione: {d}"],
        "price": ["Quota di iscrizione: {p}", "Costo: {p}"],
        "free": ["Il corso è gratuito.", "Partecipazione gratuita"],
        "online": ["Erogazione online.", "Modalità: a distanza"],
        "onsite": ["Lezioni in presenza.", "Modalità: in presenza"],
        "blended": ["Modalità blended (in presenza e online).", "Modalità: mista (blended)"],
        "written_examination": ["Verifica: esame scritto", "valutazione con esame scritto"],
        "project_work": ["Verifica: progetto", "valutazione tramite un progetto finale"],
        "portfolio": ["Verifica: portfolio", "valutazione tramite portfolio"],
        "eqf": ["livello EQF {n}", "EQF {n}"],
        "duration": ["Durata: 3 mesi", "3 mesi"],
        "intro": ["Il corso introduce", "Un corso breve su", "Impara"],
    },
    "es": {
        "ects": ["{n} ECTS", "{n} créditos ECTS"],
        "national": [],
        "generic": ["{n} créditos", "Créditos: {n}"],
        "hours": ["Dedicación: {n} horas", "{n} horas de trabajo"],
        "start": ["Inicio: {d}", "Fecha de inicio: {d}", "Comienza el {d}"],
        "deadline": [
            "Plazo de inscripción: hasta el {d}",
            "Inscripción hasta el {d}",
            "Fecha límite de inscripción: {d}",
        ],
        "price": ["Precio: {p}", "Matrícula: {p}"],
        "free": ["Curso gratuito.", "Matrícula gratuita"],
        "online": ["Modalidad: en línea", "Curso online"],
        "onsite": ["Modalidad: presencial", "Clases presenciales"],
        "blended": ["Modalidad: semipresencial", "Formato blended (presencial y online)"],
        "written_examination": ["Evaluación: examen escrito", "evaluación mediante examen escrito"],
        "project_work": ["Evaluación: proyecto", "evaluación mediante un proyecto final"],
        "portfolio": ["Evaluación: portafolio", "evaluación mediante portfolio"],
        "eqf": ["nivel MEC {n}", "nivel EQF {n}"],
        "duration": ["Duración: 3 meses", "3 meses"],
        "intro": ["Esta microcredencial presenta", "Un curso breve sobre", "Aprende"],
    },
    "pt": {
        "ects": ["{n} ECTS", "{n} créditos ECTS"],
        "national": [],
        "generic": ["{n} créditos"],
        "hours": ["Horas de trabalho: {n} horas", "{n} horas de trabalho"],
        "start": ["Início: {d}", "Data de início: {d}"],
        "deadline": ["Candidaturas até {d}", "Prazo de candidatura: {d}", "Inscrições até {d}"],
        "price": ["Propina: {p}", "Preço: {p}"],
        "free": ["Curso gratuito.", "Inscrição gratuita"],
        "online": ["Regime: a distância", "Curso online"],
        "onsite": ["Regime: presencial", "Aulas presenciais"],
        "blended": ["Regime: b-learning", "Regime misto (b-learning)"],
        "written_examination": ["Avaliação: exame escrito", "avaliação por exame escrito"],
        "project_work": ["Avaliação: projeto", "avaliação por projeto final"],
        "portfolio": ["Avaliação: portefólio", "avaliação por portfólio"],
        "eqf": ["nível QEQ {n}", "nível EQF {n}"],
        "duration": ["Duração: 3 meses", "3 meses"],
        "intro": ["Esta microcredencial apresenta", "Um curso breve sobre", "Aprenda"],
    },
    "pl": {
        "ects": ["{n} ECTS", "{n} punktów ECTS", "Punkty ECTS: {n}"],
        "national": [],
        "generic": [],
        "hours": ["Nakład pracy: {n} godzin", "{n} godzin pracy"],
        "start": ["Rozpoczęcie: {d}", "Start: {d}", "Data rozpoczęcia: {d}"],
        "deadline": ["Termin zgłoszeń: {d}", "Zapisy do {d}", "Rekrutacja do {d}"],
        "price": ["Opłata: {p}", "Koszt: {p}"],
        "free": ["Kurs jest bezpłatny.", "Udział bezpłatny"],
        "online": ["Forma: online", "Zajęcia zdalnie"],
        "onsite": ["Forma: stacjonarnie", "Zajęcia stacjonarne"],
        "blended": ["Forma: hybrydowa (blended learning)", "Forma: blended learning"],
        "written_examination": ["Zaliczenie: egzamin pisemny", "zaliczenie na podstawie egzaminu pisemnego"],
        "project_work": ["Zaliczenie: projekt", "zaliczenie na podstawie projektu"],
        "portfolio": ["Zaliczenie: portfolio", "ocena na podstawie portfolio"],
        "eqf": ["poziom ERK {n}", "EQF {n}"],
        "duration": ["Czas trwania: 6 tygodni", "6 tygodni"],
        "intro": ["Mikropoświadczenie wprowadza w", "Krótki kurs o", "Poznasz"],
    },
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
}
CURRENCY = {"GB": "GBP", "CH": "CHF", "SE": "SEK", "PL": "PLN"}
AGENCIES = {
    "GB": "QAA",
    "IE": "QQI",
    "MT": "MFHEA",
    "DE": "ACQUIN",
    "AT": "AQ Austria",
    "CH": "AAQ",
    "FR": "HCERES",
    "BE": "NVAO",
    "LU": "HCERES",
    "NL": "NVAO",
    "FI": "FINEEC",
    "SE": "UKÄ",
    "IT": "ANVUR",
    "ES": "ANECA",
    "PT": "A3ES",
    "PL": "PKA",
}
QA_PROGRAMME = {
    "en": "Accredited by {a}.",
    "de": "Akkreditiert durch {a}.",
    "fr": "Formation accréditée par le {a}.",
    "nl": "Geaccrediteerd door de {a}.",
    "fi": "Accredited by {a}.",
    "sv": "Accredited by {a}.",
    "it": "Corso accreditato da {a}.",
    "es": "Acreditado por {a}.",
    "pt": "Acreditado pela {a}.",
    "pl": "Accredited by {a}.",
}
QA_INSTITUTIONAL = "Quality assured in line with the ESG (European Standards and Guidelines)."

FIELDS = (
    "title",
    "provider",
    "issuer_country",
    "ects",
    "workload_hours",
    "eqf",
    "languages",
    "mode",
    "start_date",
    "deadline",
    "price",
    "assessment",
    "qa",
)
CONTROL = ["\x00", "\x0b", "\x0c", "\x1a", "\x08"]


class Draw:
    """One record's drawn facts: what it states, how, and the truth that follows."""

    def __init__(self, rng: random.Random, n: int, fmt: str, lang: str) -> None:
        self.rng, self.n, self.fmt, self.lang = rng, n, fmt, lang
        w = WORDS[lang]
        self.w = w
        self.country = rng.choice(LANG_COUNTRIES[lang])
        inst = rng.choice(INSTITUTIONS[lang])
        self.provider = inst
        slug = "".join(c for c in inst.lower().split()[-1] if c.isalpha() and c.isascii()) or "hei"
        # Where the country shows, if at all: the record itself, the source's registration, an Erasmus code,
        # the landing page's country-code domain; or nowhere (a .eu domain, nothing registered).
        self.evidence = rng.choice(["record", "source", "registry", "domain", "none"])
        tld = TLD[self.country] if self.evidence == "domain" else "eu"
        self.url = f"https://www.{slug}.{tld}/courses/{n:04d}"
        self.erasmus = f"{ERASMUS[self.country]}{slug.upper()[:7]}{rng.randint(1, 9):02d}"
        self.source_country = self.country if self.evidence == "source" else None
        self.source_name = inst if rng.random() < 0.5 else None
        # Some records name no provider and come from a source registered without a name: truth empty.
        self.provider_stated = rng.random() < 0.85
        title = rng.choice(TOPICS[lang])
        self.title = f"{title} ({n})"
        self.control = rng.random() < 0.12
        # Credits: explicit ECTS, a national unit, the bare word, or nothing.
        kinds = ["ects", "none"] + (["national"] * 2 if w["national"] else []) + (["generic"] if w["generic"] else [])
        if lang == "en":
            kinds += ["generic"]
        self.credit_kind = rng.choice(kinds)
        self.credit_value = rng.choice([2, 3, 4, 5, 6, 7.5, 10])
        self.credit_text = ""
        if self.credit_kind != "none":
            value = str(self.credit_value).replace(".", "," if lang not in ("en",) else ".")
            self.credit_text = rng.choice(w[self.credit_kind]).format(n=value)
        self.hours = rng.choice([None, None, 50, 60, 75, 125, 150, 180])
        self.eqf = rng.choice([None, None, 4, 5, 6, 6, 7, 7, 8])
        self.eqf_distractor = self.eqf is None and lang == "en" and rng.random() < 0.4
        k = rng.choice([0, 1, 1, 1, 2])
        self.language_codes = [lang] if k >= 1 else []
        if k == 2 and lang != "en":
            self.language_codes.append("en")
        self.language_notations = [rng.choice(LANGUAGE_NOTATIONS[c]) for c in self.language_codes]
        self.mode = rng.choice([None, "online", "onsite", "blended"])
        self.start: tuple[int, int, int | None] | None = None
        if rng.random() < 0.7:
            self.start = (rng.choice([2027, 2028]), rng.randint(1, 12), rng.choice([None, 11, 3, 15, 28, 1]))
        self.deadline: tuple[int, int, int] | None = None
        if self.start and rng.random() < 0.6:
            y, m, _ = self.start
            self.deadline = (
                y if m > 1 else y - 1,
                m - 1 if m > 1 else 12,
                rng.choice([15, 30, 1, 10]) if m != 3 else 15,
            )
        self.price = rng.choice([None, None, "free", 360, 1250, 95, 490.5])
        self.assessment = rng.sample(["written_examination", "project_work", "portfolio"], rng.choice([0, 1, 1, 2]))
        self.qa = rng.choice([None, None, "external_programme", "external_institutional"])
        self.distractor = rng.random() < 0.5

    # ---- how values are written ------------------------------------------------------------------------
    def date_text(self, ymd: tuple[int, int, int | None], *, iso: bool = False) -> str:
        y, m, d = ymd
        if d is None:
            if self.lang == "de" and m == 10:
                return f"WS {y}/{str(y + 1)[2:]}"
            if self.lang == "de" and m == 4:
                return f"SoSe {y}"
            names = MONTHS.get(self.lang, MONTHS["en"]).split()
            return f"{names[m - 1]} {y}"
        if iso:
            return f"{y}-{m:02d}-{d:02d}"
        return self.rng.choice(
            [
                f"{d:02d}.{m:02d}.{y}",
                f"{d:02d}/{m:02d}/{y}",
                f"{y}-{m:02d}-{d:02d}",
                f"{d}.{m}.{y}",
                f"{d:02d}-{m:02d}-{y}",
            ]
        )

    def price_text(self) -> str:
        amount = self.price
        if amount == "free":
            return self.rng.choice(self.w["free"])
        currency = CURRENCY.get(self.country, "EUR")
        whole = (
            f"{amount:,.0f}".replace(",", ".")
            if float(amount) == int(float(amount))
            else f"{amount:.2f}".replace(".", ",")
        )
        if currency == "EUR":
            dash = [f"€ {whole},-"] if "," not in whole else []
            written = self.rng.choice([*dash, f"{whole} EUR", f"{whole} €", f"EUR {whole}", f"{whole} euros"])
        elif currency == "PLN":
            written = self.rng.choice([f"{whole} zł", f"{whole} PLN"])
        else:
            written = self.rng.choice(
                [f"{currency} {whole}", f"{whole} {currency}"] + (["£" + whole] if currency == "GBP" else [])
            )
        return self.rng.choice(self.w["price"]).format(p=written)

    def sentences(self, *, skip: tuple[str, ...] = ()) -> list[str]:
        """The description's sentences stating the drawn values (those in ``skip`` are stated elsewhere)."""
        w, rng, out = self.w, self.rng, []
        out.append(f"{rng.choice(w['intro'])} {self.title.split(' (')[0].lower()}.")
        if self.credit_text and "credits" not in skip:
            hours = (
                self.rng.choice([f" ({w['hours'][1].format(n=self.hours)})"])
                if self.hours and "hours" not in skip and rng.random() < 0.4
                else ""
            )
            out.append(self.credit_text + hours + ".")
            if hours:
                skip = (*skip, "hours")
        if self.hours and "hours" not in skip:
            out.append(rng.choice(w["hours"]).format(n=self.hours) + ".")
        if self.eqf and "eqf" not in skip:
            out.append(rng.choice(w["eqf"]).format(n=self.eqf) + ".")
        if self.eqf_distractor:
            out.append(
                rng.choice(
                    ["NFQ Level 8 (Ireland).", "English at CEFR level B2 is expected.", "Open to year 2 students."]
                )
            )
        if self.mode and "mode" not in skip:
            out.append(rng.choice(w[self.mode]))
        if self.start and "start" not in skip:
            out.append(rng.choice(w["start"]).format(d=self.date_text(self.start)) + ".")
        if self.deadline and "deadline" not in skip:
            out.append(rng.choice(w["deadline"]).format(d=self.date_text(self.deadline)) + ".")
        if self.distractor:
            out.append(rng.choice(w["duration"]) + ".")
        if self.price is not None and "price" not in skip:
            out.append(self.price_text())
        for code in self.assessment if "assessment" not in skip else []:
            out.append(rng.choice(w[code]) + ".")
        if self.qa and "qa" not in skip:
            agency = AGENCIES[self.country]
            out.append(
                QA_PROGRAMME[self.lang].format(a=agency) if self.qa == "external_programme" else QA_INSTITUTIONAL
            )
        return [x if x.endswith((".", "!", "?")) else x + "." for x in out]

    def dirty(self, text: str) -> str:
        """``text`` with a control character inside, as copy-paste from word processors leaves them."""
        if not self.control:
            return text
        cut = self.rng.randint(1, max(1, len(text) - 1))
        return text[:cut] + self.rng.choice(CONTROL) + text[cut:]

    # ---- the truth -------------------------------------------------------------------------------------
    def country_known(self) -> str | None:
        # Outside oai_dc the record's country and the Erasmus code sit in the provider's node, which a
        # record naming no provider does not have.
        if self.evidence in ("record", "registry") and self.fmt != "oai_dc" and not self.provider_stated:
            return None
        return None if self.evidence == "none" else self.country

    def truth(self) -> dict[str, Any]:
        known = self.country_known()
        ects: float | None = None
        if self.credit_kind == "ects":
            ects = float(self.credit_value)
        elif self.credit_kind == "national":
            ects = float(self.credit_value)  # the unit is ECTS in every EHEA country writing this language
        elif self.credit_kind == "generic":
            # "credits" alone: ECTS where the country (or the language's every country) counts in ECTS.
            if self.lang == "en":
                ects = float(self.credit_value) if known in ("IE", "MT") else None
            else:
                ects = float(self.credit_value)
        start = None
        if self.start:
            y, m, d = self.start
            start = f"{y}-{m:02d}" if d is None else f"{y}-{m:02d}-{d:02d}"
        deadline = f"{self.deadline[0]}-{self.deadline[1]:02d}-{self.deadline[2]:02d}" if self.deadline else None
        price: Any = None
        if self.price == "free":
            price = "free"
        elif self.price is not None:
            price = {"amount": float(self.price), "currency": CURRENCY.get(self.country, "EUR")}
        return {
            "title": self.title,
            "provider": self.provider if (self.provider_stated or self.source_name) else None,
            "issuer_country": known,
            "ects": ects,
            "workload_hours": float(self.hours) if self.hours else None,
            "eqf": self.eqf,
            "languages": sorted(self.language_codes),
            "mode": [self.mode] if self.mode else [],
            "start_date": start,
            "deadline": deadline,
            "price": price,
            "assessment": sorted(self.assessment),
            "qa": [self.qa] if self.qa else [],
        }

    def context(self) -> dict[str, Any]:
        return {"source_id": f"eval-source-{self.lang}", "name": self.source_name, "country": self.source_country}


# ---- the four formats ------------------------------------------------------------------------------------
def oai_dc(d: Draw) -> str:
    rng = d.rng
    el: list[str] = []

    def add(name: str, text: str, lang: str | None = None) -> None:
        attr = f" xml:lang={quoteattr(lang)}" if lang else ""
        el.append(f"  <dc:{name}{attr}>{escape(text)}</dc:{name}>")

    add("title", d.dirty(d.title), d.lang if rng.random() < 0.5 else None)
    if d.provider_stated:
        add(rng.choice(["publisher", "publisher", "creator"]), d.provider)
    add("creator", rng.choice(["Dr. Anna Berg", "Koch, Martin", "Silva, Ana"]))
    # Values real repositories put outside dc:description: the EQF level in dc:type, credits or the
    # level as keywords in dc:subject, the language of instruction in dc:relation's neighbours.
    skip: list[str] = []
    types = ["Course"]
    if d.eqf and rng.random() < 0.4:
        types = [f"Micro-credential; EQF level {d.eqf}"]
        skip.append("eqf")
    for t in types:
        add("type", t)
    subjects = [rng.choice(["Data science", "Sustainability", "Education", "Engineering"])]
    if d.credit_text and rng.random() < 0.3:
        subjects.append(d.credit_text)
        skip.append("credits")
    for s in subjects:
        add("subject", s)
    if d.mode and rng.random() < 0.3:
        add("format", {"online": "Online", "onsite": "On-site", "blended": "Blended"}[d.mode])
        skip.append("mode")
    if d.start and d.start[2] is not None and rng.random() < 0.25:
        y, m, day = d.start
        add("coverage", f"{y}-{m:02d}-{day:02d}/{y}-{min(m + 2, 12):02d}-28")
        skip.append("start")
    if d.qa and rng.random() < 0.4:
        add(
            "relation",
            QA_PROGRAMME["en"].format(a=AGENCIES[d.country]) if d.qa == "external_programme" else QA_INSTITUTIONAL,
        )
        skip.append("qa")
    text = " ".join(d.sentences(skip=tuple(skip)))
    add("description", d.dirty(text), d.lang if rng.random() < 0.5 else None)
    if d.evidence == "record":
        add("coverage", rng.choice([COUNTRY_NAMES[d.lang][d.country], d.country]))
    add("identifier", d.url)
    if d.evidence == "registry":
        add("identifier", f"erasmus:{d.erasmus}")
    for notation in d.language_notations:
        add("language", notation)
    add("date", "2026-11-02")
    add("rights", "CC BY 4.0")
    body = "\n".join(el)
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n' + body + "\n</oai_dc:dc>"
    )


def schema_org(d: Draw) -> str:
    rng = d.rng
    course: dict[str, Any] = {"@context": "https://schema.org/", "@type": "Course", "name": d.dirty(d.title)}
    course["url"] = d.url
    skip = ["price", "mode", "start"]
    if d.provider_stated:
        provider: dict[str, Any] = {"@type": "CollegeOrUniversity", "name": d.provider}
        if d.evidence == "record":
            provider["address"] = {
                "@type": "PostalAddress",
                "addressCountry": rng.choice([d.country, COUNTRY_NAMES[d.lang][d.country]]),
            }
        if d.evidence == "registry":
            provider["identifier"] = {"@type": "PropertyValue", "propertyID": "erasmus", "value": d.erasmus}
        course["provider"] = provider
    if d.language_notations:
        course["inLanguage"] = d.language_notations if len(d.language_notations) > 1 else d.language_notations[0]
    if d.credit_text and rng.random() < 0.6:
        value, unit = d.credit_text.split(" ", 1) if d.credit_text[0].isdigit() else (None, None)
        if value and unit and len(unit) <= 20:
            course["numberOfCredits"] = {"@type": "StructuredValue", "value": value, "unitText": unit}
            skip.append("credits")
    if d.eqf and rng.random() < 0.6:
        course["educationalLevel"] = rng.choice([f"EQF {d.eqf}", f"EQF level {d.eqf}"])
        skip.append("eqf")
    if d.hours and rng.random() < 0.5:
        course["timeRequired"] = f"PT{d.hours}H"
        skip.append("hours")
    instance: dict[str, Any] = {"@type": "CourseInstance"}
    if d.mode:
        instance["courseMode"] = rng.choice(
            {"online": ["online", "Online"], "onsite": ["onsite", "on campus"], "blended": ["blended", "Blended"]}[
                d.mode
            ]
        )
    if d.start:
        instance["startDate"] = d.date_text(d.start, iso=rng.random() < 0.6)
    if d.price is not None:
        if d.price == "free":
            instance["offers"] = {"@type": "Offer", "price": "0", "priceCurrency": "EUR", "category": "Free"}
        else:
            instance["offers"] = {
                "@type": "Offer",
                "price": str(d.price),
                "priceCurrency": CURRENCY.get(d.country, "EUR"),
            }
    if len(instance) > 1:
        course["hasCourseInstance"] = [instance]
    course["description"] = d.dirty(" ".join(d.sentences(skip=tuple(skip))))
    return json.dumps(course, ensure_ascii=False)


def xcri(d: Draw) -> str:
    rng = d.rng
    lines = [
        '<catalog xmlns="http://xcri.org/profiles/1.2/catalog" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:mlo="http://purl.org/net/mlo" xmlns:credit="http://purl.org/net/cm" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'generated="2026-11-02T10:00:00Z">',
        "<provider>",
    ]
    provider_url = d.url.split("/courses")[0]
    name = d.provider if d.provider_stated else ""
    lines.append(f"<dc:title>{escape(name)}</dc:title>" if name else "")
    if d.evidence == "registry" and name:
        lines.append(f"<dc:identifier>{escape(d.erasmus)}</dc:identifier>")
    lines.append(f"<mlo:url>{escape(provider_url)}</mlo:url>")
    if d.evidence == "record" and name:
        lines.append(
            f"<mlo:location><mlo:town>Centre</mlo:town><mlo:address>{escape(COUNTRY_NAMES[d.lang][d.country])}</mlo:address></mlo:location>"
        )
    lines.append("<course>")
    lines.append(f"<dc:identifier>{escape(d.url)}</dc:identifier>")
    lines.append(f"<mlo:url>{escape(d.url)}</mlo:url>")
    lines.append(f"<dc:title>{escape(d.dirty(d.title))}</dc:title>")
    skip = ["start", "deadline", "price", "mode"]
    if d.credit_kind == "ects" and rng.random() < 0.7:
        lines.append(
            f"<mlo:credit><credit:scheme>ECTS</credit:scheme><credit:value>{d.credit_value}</credit:value></mlo:credit>"
        )
        skip.append("credits")
    if d.assessment and rng.random() < 0.7:
        lines.append(
            f"<mlo:assessment>{escape(' '.join(rng.choice(d.w[a]) + '.' for a in d.assessment))}</mlo:assessment>"
        )
        skip.append("assessment")
    if d.eqf or d.qa == "external_programme":
        lines.append("<mlo:qualification><dc:title>Certificate</dc:title>")
        if d.eqf and rng.random() < 0.7:
            lines.append(f"<dcterms:educationLevel>EQF Level {d.eqf}</dcterms:educationLevel>")
            skip.append("eqf")
        if d.qa == "external_programme" and rng.random() < 0.7:
            lines.append(f"<accreditedBy>{escape(AGENCIES[d.country])}</accreditedBy>")
            skip.append("qa")
        lines.append("</mlo:qualification>")
    lines.append(f"<dc:description>{escape(d.dirty(' '.join(d.sentences(skip=tuple(skip)))))}</dc:description>")
    pres = ["<presentation>"]
    if d.start:
        y, m, day = d.start
        if day is not None:
            pres.append(f'<mlo:start dtf="{y}-{m:02d}-{day:02d}">{escape(d.date_text(d.start))}</mlo:start>')
        else:
            pres.append(f"<mlo:start>{escape(d.date_text(d.start))}</mlo:start>")
    if d.deadline:
        y, m, day = d.deadline
        pres.append(f'<applyUntil dtf="{y}-{m:02d}-{day:02d}">{escape(d.date_text(d.deadline))}</applyUntil>')
    if d.mode:
        code = {"online": "DS", "onsite": "CM", "blended": "DA"}[d.mode]
        pres.append(f'<attendanceMode identifier="{code}">{escape(rng.choice(d.w[d.mode]))}</attendanceMode>')
    for notation in d.language_notations:
        pres.append(f"<mlo:languageOfInstruction>{escape(notation)}</mlo:languageOfInstruction>")
    if d.price is not None:
        pres.append(f"<mlo:cost>{escape(d.price_text())}</mlo:cost>")
    pres.append("</presentation>")
    if len(pres) > 2:
        lines += pres
    lines += ["</course>", "</provider>", "</catalog>"]
    return "\n".join(x for x in lines if x)


def elm(d: Draw) -> str:
    rng = d.rng
    eu = "http://publications.europa.eu/resource/authority"
    iso3 = {
        "GB": "GBR",
        "IE": "IRL",
        "MT": "MLT",
        "DE": "DEU",
        "AT": "AUT",
        "CH": "CHE",
        "FR": "FRA",
        "BE": "BEL",
        "LU": "LUX",
        "NL": "NLD",
        "FI": "FIN",
        "SE": "SWE",
        "IT": "ITA",
        "ES": "ESP",
        "PT": "PRT",
        "PL": "POL",
    }
    lang3 = {
        "en": "ENG",
        "de": "DEU",
        "fr": "FRA",
        "nl": "NLD",
        "fi": "FIN",
        "sv": "SWE",
        "it": "ITA",
        "es": "SPA",
        "pt": "POR",
        "pl": "POL",
    }
    org: dict[str, Any] = {"id": f"urn:epass:org:{d.n}", "type": "Organisation", "legalName": {d.lang: d.provider}}
    if d.evidence == "record":
        org["location"] = {
            "type": "Location",
            "address": {"type": "Address", "countryCode": {"id": f"{eu}/country/{iso3[d.country]}", "type": "Concept"}},
        }
    if d.evidence == "registry":
        org["identifier"] = {"type": "Identifier", "notation": d.erasmus, "schemeName": "Erasmus code"}
    if d.evidence == "domain":
        org["homepage"] = {"type": "WebResource", "contentURL": d.url.split("/courses")[0]}
    spec: dict[str, Any] = {
        "id": f"urn:epass:qualification:{d.n}",
        "type": "Qualification",
        "title": {d.lang: d.dirty(d.title)},
    }
    skip = ["start", "deadline", "price", "mode", "hours", "eqf"]
    if d.credit_kind == "ects":
        spec["creditPoint"] = {
            "type": "CreditPoint",
            "framework": {"id": "http://data.europa.eu/snb/education-credit/6fcec5c5af", "type": "Concept"},
            "point": str(d.credit_value),
        }
        skip.append("credits")
    if d.hours:
        spec["volumeOfLearning"] = f"PT{d.hours}H"
    if d.eqf:
        spec["eqfLevel"] = {"id": f"http://data.europa.eu/snb/eqf/{d.eqf}", "type": "Concept"}
    if d.language_codes:
        spec["language"] = [{"id": f"{eu}/language/{lang3[c]}", "type": "Concept"} for c in d.language_codes]
    if d.mode:
        uri = {"online": "920fbb3cbe", "onsite": "9191af2ed9", "blended": "e92d221e4d"}[d.mode]
        spec["mode"] = {"id": f"http://data.europa.eu/snb/learning-assessment/{uri}", "type": "Concept"}
    if d.assessment and rng.random() < 0.7:
        uris = {"written_examination": "6e6cb2cc78", "project_work": "795dac4096", "portfolio": "4f03b91c0e"}
        spec["provenBy"] = [
            {
                "type": "LearningAssessmentSpecification",
                "title": {"en": "Assessment"},
                "dcType": {"id": f"http://data.europa.eu/snb/assessment/{uris[a]}", "type": "Concept"},
            }
            for a in d.assessment
        ]
        skip.append("assessment")
    if d.qa and rng.random() < 0.7:
        kind = "820101cba6" if d.qa == "external_programme" else "bb4618238e"
        spec["accreditation"] = {
            "type": "Accreditation",
            "dcType": {"id": f"http://data.europa.eu/snb/accreditation/{kind}", "type": "Concept"},
            "accreditingAgent": {"type": "Organisation", "legalName": {"en": AGENCIES[d.country]}},
        }
        skip.append("qa")
    lo: dict[str, Any] = {
        "id": f"urn:epass:learningOpportunity:{d.n}",
        "type": "LearningOpportunity",
        "title": {d.lang: d.dirty(d.title)},
        "homepage": {"type": "WebResource", "contentURL": d.url},
    }
    if d.provider_stated:
        lo["providedBy"] = org
    if d.start:
        y, m, day = d.start
        lo["temporal"] = {"type": "PeriodOfTime", "startDate": f"{y}-{m:02d}-{day or 1:02d}T00:00:00+01:00"}
        if day is None:
            skip.remove("start")  # a month only: ELM needs a day, so the month is told in the text instead
            lo.pop("temporal")
    if d.deadline:
        y, m, day = d.deadline
        lo["applicationDeadline"] = f"{y}-{m:02d}-{day:02d}T23:59:00+01:00"
    if d.price is not None:
        amount = 0 if d.price == "free" else d.price
        lo["priceDetail"] = {
            "type": "PriceDetail",
            "amount": {
                "type": "Amount",
                "value": str(amount),
                "unit": {"id": f"{eu}/currency/{CURRENCY.get(d.country, 'EUR')}", "type": "Concept"},
            },
        }
    lo["description"] = {d.lang: d.dirty(" ".join(d.sentences(skip=tuple(skip))))}
    lo["learningAchievementSpecification"] = spec
    return json.dumps(lo, ensure_ascii=False)


WRITERS = {"oai_dc": oai_dc, "schema_org": schema_org, "xcri_cap": xcri, "elm_jsonld": elm}
PLAN = [("oai_dc", 120), ("schema_org", 60), ("xcri_cap", 40), ("elm_jsonld", 40)]


def records() -> list[dict[str, Any]]:
    """Every record of the set, with its truth, in a fixed order."""
    rng = random.Random(SEED)
    langs = list(LANG_COUNTRIES)
    out, n = [], 0
    for fmt, count in PLAN:
        for i in range(count):
            n += 1
            draw = Draw(rng, n, fmt, langs[i % len(langs)])
            payload = WRITERS[fmt](draw)
            out.append(
                {
                    "id": f"eval-{n:04d}",
                    "format": fmt,
                    "language": draw.lang,
                    "url": draw.url,
                    "context": draw.context(),
                    "payload": payload,
                    "truth": draw.truth(),
                }
            )
    return out


def main() -> None:
    """Rewrite records.jsonl."""
    with OUT.open("w", encoding="utf-8") as out:
        for record in records():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
