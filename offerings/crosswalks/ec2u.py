"""Course APIs of EC2U universities (Coimbra, Salamanca, Linz) → Offering (docs/normalisation.md §3.8).

As captured in tests/data/samples/institution-apis.

These are custom JSON APIs, not a standard (docs/normalisation.md §1.4 "European HEI practice"):
every value is free text or a bare number, so the §3.7 parsers do most of the work and what they
find is marked ``parsed``. One function per API; the record's payload is one course object. The
institution is the API's owner: it is the provider, and the awarding body by default (inferred).
"""

from __future__ import annotations

import re
from typing import Any

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import (
    Marks,
    as_list,
    base_offering,
    finish,
    json_payload,
    lang_or_und,
    says_no_prerequisites,
)
from offerings.errors import CrosswalkError
from offerings.model import Identifier, LearningOutcome, Offering, Organisation, PartOf
from offerings.text import parsing

__all__ = ["to_offering_coimbra", "to_offering_linz", "to_offering_salamanca"]

_CEFR = re.compile(r"\b(?:level|nivel|nível|niveau)?\s*([ABC][12])\b\s*\(?(?:CEFR|QECRL|MCER|GER|CECRL)", re.IGNORECASE)
# (name, its language, country) of each API's institution.
_UC = ("Universidade de Coimbra", "pt", "PT")
_USAL = ("Universidad de Salamanca", "es", "ES")
_JKU = ("Johannes Kepler Universität Linz", "de", "AT")


def _load(record: SourceRecord) -> dict[str, Any]:
    data = json_payload(record)
    if not isinstance(data, dict):
        raise CrosswalkError("the record is not a JSON object", field="metadata")
    return data


def _institution(context: SourceContext, default: tuple[str, str, str], marks: Marks) -> list[Organisation]:
    name = {"und": context.name} if context.name else {default[1]: default[0]}
    country = vocab.country_code(context.country) if context.country else default[2]
    marks.mark("provider", "the API's institution", "inferred", 0.9)
    return [Organisation(name=name, country=country)]


def _localised(items: Any) -> dict[str, str]:
    """Coimbra's ``[{"designacao", "locSigla"}]`` arrays as a LangMap."""
    out: dict[str, str] = {}
    for item in as_list(items):
        if isinstance(item, dict):
            text = parsing.clean_text(str(item.get("designacao") or ""))
            if text:
                out.setdefault(lang_or_und(str(item.get("locSigla") or "")), text)
    return out


def _outcomes(items: Any) -> list[LearningOutcome]:
    """One outcome per line; lines of the language versions paired when they have as many."""
    lines = {lang: [ln.strip() for ln in text.split("\n") if ln.strip()] for lang, text in _localised(items).items()}
    counts = {len(v) for v in lines.values()}
    if len(counts) == 1:
        return [LearningOutcome(text={lang: parts[n] for lang, parts in lines.items()}) for n in range(counts.pop())]
    return [LearningOutcome(text={lang: "\n".join(parts)}) for lang, parts in lines.items()]


def to_offering_coimbra(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one course of the Universidade de Coimbra courses API (docs/normalisation.md §2's example).

    Raises:
        CrosswalkError: not a Coimbra course object, or no title.
    """
    offering = base_offering(record, context, "custom_api")
    if record.deleted:
        return offering
    data = _load(record)
    marks = Marks()
    offering.title = _localised(data.get("designacoes"))
    if not offering.title:
        raise CrosswalkError("course has no designacoes", field="designacoes")
    offering.default_language = "pt"
    if data.get("codigoInterno"):
        offering.other_identifiers = [Identifier(value=str(data["codigoInterno"]), scheme="uc:codigoInterno")]
    offering.record_url = data.get("urlEN") or data.get("urlPT")
    offering.offering_type = ["course"] if data.get("categoriaCursoTipo") == "FORMACAO" else []
    offering.provider = _institution(context, _UC, marks)
    offering.description = _localised(data.get("objetivosCurso"))
    offering.learning_outcomes = _outcomes(data.get("objetivosAprendizagem"))
    credits = parsing.parse_credits(f"{data.get('ects') or ''} ECTS")
    if credits is not None and not isinstance(credits.value, tuple):
        offering.ects_credits = credits.value
        marks.mark("ects_credits", "ects")
    hours = parsing.parse_workload(str(data.get("duracaoEN") or data.get("duracaoPT") or ""))
    if isinstance(hours, float):
        offering.workload_hours = hours
        marks.mark("workload_hours", "duracaoEN")
    modes = _localised(data.get("regimesEstudo"))
    offering.mode = parsing.parse_modes(" ".join(modes.values()))
    languages = _localised(data.get("linguasAprendizagem"))
    offering.languages_of_instruction = parsing.parse_languages(languages.get("en") or " ".join(languages.values()))
    offering.assessment_description = _localised(data.get("regrasDeAvaliacao"))
    offering.assessment_types = parsing.parse_assessment(offering.assessment_description.get("en", ""))
    if offering.assessment_types:
        marks.mark("assessment_types", "regrasDeAvaliacao", "parsed", 0.6)
    offering.prerequisites = _localised(data.get("condicoesAcesso"))
    offering.prerequisites_none = says_no_prerequisites(offering.prerequisites.get("en"))
    offering.credential_title = _localised(data.get("qualificoesAtribuidas"))
    cefr = _CEFR.search(" ".join(offering.description.values()))
    if cefr:
        offering.level_text = {"en": f"CEFR {cefr.group(1).upper()} (language level)"}
        marks.mark("level_text", "objetivosCurso", "parsed", 0.8)
    return finish(offering, marks, context)


def to_offering_salamanca(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one subject of the Universidad de Salamanca API (code, names, ECTS, guide URL).

    Raises:
        CrosswalkError: not a Salamanca subject object, or no name.
    """
    offering = base_offering(record, context, "custom_api")
    if record.deleted:
        return offering
    data = _load(record)
    marks = Marks()
    offering.title = {k: v for k, v in (("es", data.get("nameInSpanish")), ("en", data.get("nameInEnglish"))) if v}
    if not offering.title:
        raise CrosswalkError("subject has no name", field="nameInSpanish")
    offering.default_language = "es"
    offering.record_url = data.get("url")
    offering.provider = _institution(context, _USAL, marks)
    credits = parsing.parse_credits(f"{data.get('ects') or ''} ECTS")
    if credits is not None and not isinstance(credits.value, tuple):
        offering.ects_credits = credits.value
        marks.mark("ects_credits", "ects")
    return finish(offering, marks, context)


def to_offering_linz(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one course of the JKU Linz courses API (schema.org-like names, no JSON-LD).

    ``numberOfCredits`` carries no unit; JKU is an Austrian university, where credits are ECTS by
    law, so the value is taken as ECTS and marked inferred.

    Raises:
        CrosswalkError: not a JKU course object, or no name.
    """
    offering = base_offering(record, context, "custom_api")
    if record.deleted:
        return offering
    data = _load(record)
    marks = Marks()
    name = data.get("name")
    names = name if isinstance(name, dict) else {}
    offering.title = {lang_or_und(k): parsing.clean_text(str(v)) for k, v in names.items() if v}
    if not offering.title:
        raise CrosswalkError("course has no name", field="name")
    offering.record_url = next((u for u in as_list(data.get("url")) if isinstance(u, str)), None)
    offering.other_identifiers = [
        Identifier(value=str(i), scheme="jku") for i in as_list(data.get("identifier")) if str(i) != record.identifier
    ]
    offering.provider = _institution(context, _JKU, marks)
    if isinstance(data.get("numberOfCredits"), (int, float)) and data["numberOfCredits"] > 0:
        offering.ects_credits = float(data["numberOfCredits"])
        marks.mark("ects_credits", "numberOfCredits", "inferred", 0.8)
    offering.qf_ehea_cycle = parsing.parse_qf_ehea_cycle(str(data.get("educationalLevel") or ""))
    if offering.qf_ehea_cycle:
        marks.mark("qf_ehea_cycle", "educationalLevel (ISCED 2011)", "parsed", 0.8)
    for programme in (p for p in as_list(data.get("inProgram")) if isinstance(p, dict)):
        title = {lang_or_und(k): str(v) for k, v in (programme.get("name") or {}).items() if v}
        url = next((u for u in as_list(programme.get("url")) if isinstance(u, str)), None)
        ident = next((str(i) for i in as_list(programme.get("identifier"))), None)
        offering.part_of.append(PartOf(title=title, id=ident, url=url, credential_type="diploma_or_degree"))
    if offering.part_of:
        offering.stackability = "integrated"  # §3.7: a course inside a degree programme
        marks.mark("stackability", "inProgram", "inferred", 0.8)
    return finish(offering, marks, context)
