"""Keyword classifiers for free text (docs/normalisation.md §3.7): assessment, schedule, QF-EHEA cycle,
stackability, quality assurance and supervision, in the main EU languages.

Re-exported by :mod:`offerings.text.parsing`. Text is folded (lower case, no diacritics) before matching,
so the keyword lists are written folded. Each returns codes of :mod:`offerings.vocab.schemes`, or
nothing when the text does not say. Values found here are ``parsed`` (confidence about 0.6). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from offerings.text.units import fold

__all__ = [
    "parse_assessment",
    "parse_qa",
    "parse_qf_ehea_cycle",
    "parse_schedule",
    "parse_stackability",
    "parse_supervision",
]


_TOKEN = re.compile(r"\w+")
# Token index of every keyword pattern (see _Keywords): each phrase is filed under one token it cannot match
# without — an exact word of the text, or the stem a word of the text starts with ("exam*").
_BY_WORD: dict[str, set[int]] = {}
_BY_STEM: dict[str, set[int]] = {}
_STEM_LENGTHS: list[int] = []
# Which patterns a word can stand for, per word seen: natural language repeats its words, so each is looked
# up once. Bounded; cleared when a pattern is added (a remembered answer would miss it).
_WORD_KEYS: dict[str, frozenset[int]] = {}
_WORD_KEYS_MAX = 50_000
_patterns_made = 0


def _file_phrases(phrases: Iterable[str]) -> int:
    """Enter the phrases of a new pattern in the token index; returns the pattern's number."""
    global _patterns_made
    ident = _patterns_made
    _patterns_made += 1
    for phrase in phrases:
        stem = phrase.removesuffix("*")
        words = _TOKEN.findall(stem)
        # A trailing * lets the last word run on, so only the words before it are exact ("oral exam*": the
        # word "oral", then a word starting "exam") — unless the stem ends in a non-word character.
        exact = words[:-1] if phrase.endswith("*") and words and stem.endswith(words[-1]) else words
        if exact:
            # The longest word is the rarest guess: "part of the programme" is filed under "programme".
            _BY_WORD.setdefault(max(exact, key=len), set()).add(ident)
        elif words:
            _BY_STEM.setdefault(words[-1], set()).add(ident)
        else:
            _BY_WORD.setdefault("", set()).add(ident)  # no word at all: every text may match
    _STEM_LENGTHS[:] = sorted({len(stem) for stem in _BY_STEM})
    _WORD_KEYS.clear()
    _keys_in.cache_clear()
    return ident


def _word_keys(word: str) -> frozenset[int]:
    """The patterns ``word`` is the filed token of, exactly or by stem."""
    found = set(_BY_WORD.get(word, ()))
    for length in _STEM_LENGTHS:
        if length > len(word):
            break
        found.update(_BY_STEM.get(word[:length], ()))
    return frozenset(found)


@lru_cache(maxsize=256)
def _keys_in(text: str) -> frozenset[int]:
    """The numbers of the keyword patterns that may match ``text`` (remembered: each parser asks again)."""
    words = set(_TOKEN.findall(text))
    new = words.difference(_WORD_KEYS)
    if new:
        if len(_WORD_KEYS) + len(new) > _WORD_KEYS_MAX:
            _WORD_KEYS.clear()
            new = words
        for word in new:
            _WORD_KEYS[word] = _word_keys(word)
    always = frozenset(_BY_WORD.get("", ()))
    try:
        # Every word is remembered now; the union runs in C.
        return always.union(*map(_WORD_KEYS.__getitem__, words))
    except KeyError:  # another thread cleared the memory in between
        return always.union(*map(_word_keys, words))


class _Keywords:
    r"""A compiled keyword alternation with two pre-checks that never hide a match.

    Python's ``re`` tries every alternative at every position of the text, which made these patterns
    most of the crosswalk's time. A phrase matches only as whole words (``(?<![\w-])…(?![\w-])``), so
    each of its words is a whole word of the text (the last one, before a ``*``, the start of one): a
    text whose words (one ``\w+`` scan, shared by every pattern) include none of the words the
    pattern's phrases are filed under cannot match. Nor can one holding none of the literals (the
    phrase, or its stem before ``*``; ``in`` tests, a C substring search each). The regex runs only when
    both allow it, with exactly the result it always had.
    """

    __slots__ = ("ident", "literals", "pattern", "regex")

    def __init__(self, regex: re.Pattern[str], literals: tuple[str, ...], ident: int) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self.literals = literals
        self.ident = ident

    def maybe(self, text: str) -> bool:
        """False when ``text`` certainly holds no match (no filed word, or no literal, occurs in it)."""
        # map() over the bound method keeps the literal loop in C.
        return self.ident in _keys_in(text) and any(map(text.__contains__, self.literals))

    def search(self, text: str) -> re.Match[str] | None:
        """``re.Pattern.search``, skipped when the pre-checks rule a match out."""
        return self.regex.search(text) if self.maybe(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``re.Pattern.finditer``, skipped when the pre-checks rule a match out."""
        return self.regex.finditer(text) if self.maybe(text) else iter(())


def _minimal(literals: Iterable[str]) -> tuple[str, ...]:
    """The literals none of the others occurs in: when "exam" is absent, so is "examen"."""
    unique = sorted(set(literals), key=len)
    kept: list[str] = []
    for literal in unique:
        if not any(shorter in literal for shorter in kept):
            kept.append(literal)
    return tuple(kept)


def _words(*phrases: str) -> _Keywords:
    """One pattern matching any phrase as whole words; a trailing ``*`` allows any word ending."""
    # Longest first, so "mundliche prufung" wins over "mundlich*" at the same position.
    ordered = sorted(phrases, key=len, reverse=True)
    parts = [re.escape(p[:-1]) + r"\w*" if p.endswith("*") else re.escape(p) for p in ordered]
    regex = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
    return _Keywords(regex, _minimal(p.removesuffix("*") for p in phrases), _file_phrases(phrases))


# Order matters: oral and peer review are removed from the text before written exams and peer assessment
# are looked for, so "oral examination" is not also a written one.
_ASSESSMENT: tuple[tuple[str, _Keywords], ...] = (
    (
        "none",
        _words(
            "no assessment",
            "not assessed",
            "without assessment",
            "keine prufung",
            "ohne prufung",
            "sans evaluation",
            "sin evaluacion",
            "senza valutazione",
            "sem avaliacao",
            "geen toetsing",
        ),
    ),
    (
        "oral_examination",
        _words(
            "oral exam*",
            "oral test",
            "oral defence",
            "oral defense",
            "oral",
            "mundlich*",
            "examen oral",
            "orale",
            "prova orale",
            "esame orale",
            "exame oral",
            "mondeling*",
            "mundliche prufung*",
            "epreuve orale",
            "mondeling examen",
            "mondeling tentamen",
            "mondelinge toets",
            "mondeling*",
        ),
    ),
    ("peer_review", _words("peer review*", "peer-review*")),
    (
        "recognition_of_prior_learning",
        _words(
            "recognition of prior learning",
            "rpl",
            "validation des acquis",
            "vae",
            "anerkennung vorheriger",
            "reconocimiento de aprendizajes",
        ),
    ),
    (
        "written_examination",
        _words(
            "exam",
            "exams",
            "examination*",
            "test",
            "tests",
            "final test",
            "klausur*",
            "prufung*",
            "examen*",
            "prova scritta",
            "esame*",
            "exame*",
            "tentti*",
            "tentil*",
            "tentamen*",
            "egzamin*",
            "prueba*",
            "provas",
            "prova",
            "teste",
            "testes",
        ),
    ),
    (
        "marked_assignment",
        _words(
            "assignment*",
            "tma",
            "tmas",
            "coursework",
            "course work",
            "hausarbeit*",
            "devoir*",
            "tutor-marked",
            "essay*",
            "trabajo escrito",
            "elaborato",
            "opdracht*",
        ),
    ),
    ("portfolio", _words("portfolio*", "portefeuille*", "portafolio*", "portefolio*", "e-portfolio*")),
    ("project_work", _words("project*", "projekt*", "projet*", "proyecto*", "progetto*", "projeto*", "projecto*")),
    (
        "practical_assessment",
        _words(
            "practical*",
            "lab",
            "labs",
            "laboratory",
            "praktikum*",
            "praktisch*",
            "travaux pratiques",
            "practica*",
            "pratica*",
            "pratico",
        ),
    ),
    (
        "continuous_evaluation",
        _words(
            "continuous",
            "avaliacao continua",
            "controle continu",
            "evaluacion continua",
            "valutazione continua",
            "kontinuierlich*",
            "laufende bewertung",
            "continue evaluatie",
            "ocena ciagla",
        ),
    ),
    ("quiz", _words("quiz*", "multiple choice", "multiple-choice", "mcq", "mcqs")),
    ("peer_assessment", _words("peer", "peers", "peer-assessment", "peer assessment", "co-evaluation")),
    (
        "group_performance",
        _words(
            "group work",
            "group presentation",
            "gruppenarbeit",
            "travail de groupe",
            "trabajo en grupo",
            "lavoro di gruppo",
            "groepswerk",
        ),
    ),
    ("problem_based_learning", _words("problem-based", "problem based", "pbl", "probleemgestuurd")),
    ("artefact_assessment", _words("artefact*", "artifact*")),
    (
        "level_of_attendance",
        _words(
            "attendance",
            "attendance only",
            "participation only",
            "anwesenheit*",
            "assiduite",
            "asistencia",
            "frequenza",
            "aanwezigheid",
        ),
    ),
)
_REMOVED_BEFORE = {"written_examination": ("oral_examination",), "peer_assessment": ("peer_review",)}
# Every type's pattern number, checked first: a text that none of them may match names no assessment, and
# nothing more runs. (Masking a match cannot create another, so "no type matches the unmasked text" means
# none at all.)
_ASSESSMENT_LABELS = re.compile(r"\b(?:prufungsform|prufungsleistung|leistungsnachweis)\b|\bexamination\s*:")
_ANY_ASSESSMENT = frozenset(pattern.ident for _, pattern in _ASSESSMENT)


def parse_assessment(text: str | None) -> list[str]:
    """ELM assessment-type codes named in ``text`` ("tutor-marked assignments", "Klausur", "contrôle continu").

    "No assessment" (and its translations) gives ``["none"]`` alone.
    """
    if not text:
        return []
    # A label that introduces the type is no type itself: "Prüfungsform: Portfolio" is a portfolio,
    # "Examination: portfolio" (Swedish usage) not also a written examination.
    folded = _ASSESSMENT_LABELS.sub(" ", fold(text)[:5000])
    if _ANY_ASSESSMENT.isdisjoint(_keys_in(folded)):
        return []
    spans: dict[str, list[tuple[int, int]]] = {}
    found: list[str] = []
    for code, pattern in _ASSESSMENT:
        masked = folded
        for earlier in _REMOVED_BEFORE.get(code, ()):
            for start, end in spans.get(earlier, []):
                masked = masked[:start] + " " * (end - start) + masked[end:]
        matches = [m.span() for m in pattern.finditer(masked)]
        if matches:
            spans[code] = matches
            found.append(code)
    if "none" in found:
        return ["none"]
    return found


_SCHEDULE: tuple[tuple[str, _Keywords], ...] = (
    (
        "self_paced",
        _words(
            "self-paced",
            "self paced",
            "own pace",
            "at your own pace",
            "eigenem tempo",
            "a votre rythme",
            "a tu ritmo",
            "al proprio ritmo",
            "eigen tempo",
        ),
    ),
    (
        "full_time",
        _words(
            "full-time",
            "full time",
            "fulltime",
            "vollzeit",
            "temps plein",
            "tiempo completo",
            "tempo pieno",
            "voltijd",
            "tempo integral",
            "heltid",
            "stacjonarne",
        ),
    ),
    (
        "part_time",
        _words(
            "part-time",
            "part time",
            "parttime",
            "teilzeit",
            "berufsbegleitend",
            "temps partiel",
            "tiempo parcial",
            "tempo parziale",
            "deeltijd",
            "tempo parcial",
            "deltid",
            "niestacjonarne",
        ),
    ),
    ("flexible", _words("flexible", "flexibel", "flessibile")),
)


def parse_schedule(text: str | None) -> str | None:
    """Learning-schedule code named in ``text`` (full_time, part_time, self_paced, flexible); None if unclear."""
    if not text:
        return None
    folded = fold(text)[:2000]
    found = [code for code, pattern in _SCHEDULE if pattern.search(folded)]
    # "full-time or part-time" says neither.
    if "full_time" in found and "part_time" in found:
        return None
    return found[0] if found else None


_CYCLES: tuple[tuple[str, _Keywords], ...] = (
    (
        "short_cycle",
        _words(
            "short cycle",
            "short-cycle",
            "kurzstudium",
            "cycle court",
            "ciclo corto",
            "ciclo breve",
            "ctesp",
            "hnc",
            "hnd",
            "foundation degree",
        ),
    ),
    (
        "third",
        _words(
            "third cycle",
            "3rd cycle",
            "doctoral",
            "doctorate",
            "phd",
            "ph.d",
            "doktor*",
            "promotion",
            "doctorat",
            "doctorado",
            "dottorato",
            "doutoramento",
            "doutorado",
            "troisieme cycle",
            "tercer ciclo",
            "terzo ciclo",
            "derde cyclus",
            "dritter zyklus",
        ),
    ),
    (
        "second",
        _words(
            "second cycle",
            "2nd cycle",
            "master",
            "masters",
            "master's",
            "msc",
            "m.sc",
            "mba",
            "maestria",
            "master universitario",
            "mestrado",
            "laurea magistrale",
            "deuxieme cycle",
            "segundo ciclo",
            "secondo ciclo",
            "tweede cyclus",
            "zweiter zyklus",
            "magister",
        ),
    ),
    (
        "first",
        _words(
            "first cycle",
            "1st cycle",
            "bachelor",
            "bachelors",
            "bachelor's",
            "bsc",
            "b.sc",
            "licence",
            "licenciatura",
            "grado",
            "premier cycle",
            "primer ciclo",
            "primo ciclo",
            "eerste cyclus",
            "erster zyklus",
            "undergraduate",
            "laurea triennale",
        ),
    ),
)
_ISCED_2011 = re.compile(r"isced[-_ ]?2011\D{0,20}([5-8])\b")
_ISCED_CYCLE = {"5": "short_cycle", "6": "first", "7": "second", "8": "third"}


def parse_qf_ehea_cycle(text: str | None) -> str | None:
    """QF-EHEA cycle named in ``text`` ("first cycle", "Bachelor", "Master", "PhD", an ISCED 2011 level 5–8
    URI); None when none or several different ones are named."""
    if not text:
        return None
    folded = fold(text)[:2000]
    isced = _ISCED_2011.search(folded)
    if isced:
        return _ISCED_CYCLE[isced.group(1)]
    found = [code for code, pattern in _CYCLES if pattern.search(folded)]
    return found[0] if len(found) == 1 else None


_STACKABLE = _words(
    "stackable",
    "stack towards",
    "counts towards",
    "count towards",
    "credited towards",
    "can be credited",
    "may lead to",
    "anrechenbar",
    "anrechnung",
    "reconhecido para",
    "cumulable",
    "capitalisable",
    "acumulable",
    "cumulabile",
    "stapelbaar",
)
_INTEGRATED = _words(
    "part of the bachelor",
    "part of the master",
    "part of a degree",
    "part of the degree",
    "part of the programme",
    "part of the program",
    "module of the",
    "teil des studiengangs",
    "fait partie du",
    "forma parte del",
    "fa parte del",
)
_STAND_ALONE = _words("stand-alone", "standalone", "stand alone", "eigenstandig", "autonome", "independiente")


def parse_stackability(text: str | None) -> str | None:
    """Stackability code (stackable, integrated, stand_alone) the text states; never a default."""
    if not text:
        return None
    folded = fold(text)[:5000]
    for code, pattern in (("stackable", _STACKABLE), ("integrated", _INTEGRATED), ("stand_alone", _STAND_ALONE)):
        if pattern.search(folded):
            return code
    return None


# External QA agencies of the EHEA most often named in course texts (EQAR-registered), folded.
_AGENCIES = (
    "nvao",
    "a3es",
    "aq austria",
    "aneca",
    "aqu catalunya",
    "aqu",
    "hceres",
    "cti",
    "fibaa",
    "acquin",
    "aqas",
    "zeva",
    "evalag",
    "asiin",
    "qaa",
    "anvur",
    "nokut",
    "uka",
    "karvi",
    "fineec",
    "ekka",
    "aika",
    "skvc",
    "pka",
    "nab",
    "mab",
    "aca",
    "enqa",
    "eqar",
    "hea",
    "qqi",
    "aaq",
    "afqab",
    "dakkar",
    "mkdz",
    "nacid",
    "aracis",
    "saqa",
    "accreditation council",
    "akkreditierungsrat",
)
_AGENCY = _words(*_AGENCIES)
_ACCREDITED = re.compile(r"\b(?:accredit\w*|akkredit\w*|accredit\w*|acredita\w*|geaccrediteerd|reconnu par)\b")
# Every match of _ACCREDITED holds one of these ("geaccrediteerd" holds "accredit"): checked first, as most
# texts hold none.
_ACCREDITED_STEMS = ("accredit", "akkredit", "acredita", "reconnu par")
_ESG = _words("esg", "european standards and guidelines")


def parse_qa(text: str | None) -> list[tuple[str, str | None]]:
    """Quality assurance the text declares: ``[(qa_type, agency or None)]``.

    "Accredited by NVAO" → external_programme by NVAO; an agency or the ESG named without
    "accredited" → external_institutional. Nothing is inferred from the mere existence of an HEI.
    """
    if not text:
        return []
    folded = fold(text)[:5000]
    agency = _AGENCY.search(folded)
    name = agency.group(0).upper() if agency and len(agency.group(0)) <= 6 else (agency.group(0) if agency else None)
    accredited = any(map(folded.__contains__, _ACCREDITED_STEMS)) and _ACCREDITED.search(folded)
    if accredited and (agency or re.search(r"accredited by|akkreditiert durch|accredite par", folded)):
        return [("external_programme", name)]
    if agency or _ESG.search(folded):
        return [("external_institutional", name)]
    return []


_PROCTORED = _words(
    "proctored",
    "proctoring",
    "invigilated",
    "supervised",
    "beaufsichtigt",
    "surveille*",
    "supervisado",
    "sorvegliat*",
    "vigilado",
)
_ID_CHECK = _words(
    "identity",
    "id check",
    "id verification",
    "photo id",
    "identification",
    "ausweis*",
    "identite",
    "identidad",
    "identita",
    "identidade",
)
_UNSUPERVISED = _words(
    "unsupervised",
    "unproctored",
    "self-assessment",
    "self assessment",
    "unbeaufsichtigt",
    "non surveille",
    "sin supervision",
    "take-home",
    "take home",
)
_ONLINE = _words("online", "remote", "remotely", "a distance", "en ligne")


def parse_supervision(text: str | None) -> str | None:
    """Supervision and identity verification during assessment (Annex I O2), when the text states it."""
    if not text:
        return None
    folded = fold(text)[:5000]
    if _UNSUPERVISED.search(folded):
        return "unsupervised_no_id"
    if not _PROCTORED.search(folded):
        return None
    if not _ID_CHECK.search(folded):
        return "supervised_no_id"
    return "supervised_with_id_online" if _ONLINE.search(folded) else "supervised_with_id_onsite"
