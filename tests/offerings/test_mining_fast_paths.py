"""The text-mining fast paths of the oai_dc crosswalk give exactly the answers of the plain computation.

Issue 3 (harvest speed): the patterns run over folded text drop IGNORECASE when that cannot change a
match (:class:`offerings.text.units._FoldedRegex`), the keyword patterns are ruled out by the words of
the text before any regex runs (:class:`offerings.text.classify._Keywords`), and the crosswalk
remembers what it mined from recent description texts and which boilerplate sentences name an assessment.
Each is compared here with the computation it stands in for, on crafted, seeded random and
hypothesis-generated text, so a fast path that ever changes an answer fails.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord, mining, oai_dc
from offerings.text import classify, parsing, units
from offerings.text import dates as parsing_time
from offerings.text.units import _CASE_TRAPS, _FoldedRegex, _lowered


def _folded_regexes() -> list[tuple[str, _FoldedRegex]]:
    """Every folded-text pattern of the parsing modules, named."""
    found = []
    for module in (parsing, units, parsing_time):
        found += [(f"{module.__name__}.{n}", v) for n, v in vars(module).items() if isinstance(v, _FoldedRegex)]
    return found


FOLDED = _folded_regexes()
# Words and signs the patterns look for, their neighbours, and the characters that trip case-insensitive
# matching up (ı matches "i" under IGNORECASE; İ, ſ and the Kelvin sign are folded away).
_FRAGMENTS = [
    *"0123456789",
    "5",
    "7,5",
    "1.5",
    "12",
    "2027-02-01",
    "01.03.2027",
    "3/2/2027",
    " ",
    "  ",
    "-",
    "–",
    ".",
    ",",
    ":",
    ";",
    "\n",
    "/",
    "(",
    ")",
    "·",
    "€",
    "£",
    "$",
    "ı",
    "İ",
    "ſ",
    "\u212a",
    "é",
    "x",
    "a",
    "s",
    "ECTS",
    "ects",
    "Credits",
    "crediti",
    "credıtı",
    "EC",
    "CFU",
    "op",
    "hp",
    "LP",
    "CP",
    "cats",
    "scqf",
    "punkty",
    "hours",
    "h",
    "Stunden",
    "std.",
    "uur",
    "godzin",
    "per",
    "a",
    "week",
    "Woche",
    "weeks",
    "Wochen",
    "wk",
    "EQF",
    "level",
    "Niveau",
    "livello",
    "stufe",
    "Starts",
    "start date",
    "Beginn",
    "début",
    "inicio",
    "Ends",
    "Ende",
    "fin",
    "until",
    "bis",
    "free",
    "free of charge",
    "Kostenlos",
    "gratuit",
    "bezplatny",
    "months",
    "Monate",
    "semaines",
    "jaar",
    "to",
    "à",
    "year",
    "yr",
    "days",
    "mois",
    "SEMESTER",
    "Semestre",
    "approx",
]


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 14))) for _ in range(count)]


def _matches(found: object) -> list[tuple[tuple[int, int], tuple[str | None, ...], dict[str, str | None]]]:
    return [(m.span(), m.groups(), m.groupdict()) for m in found]  # type: ignore[attr-defined]


def test_the_folded_patterns_are_there() -> None:
    names = {name.rsplit(".", 1)[1] for name, _ in FOLDED}
    assert {"_CREDITS_RE", "_EQF_RE", "_START_RE", "_END_RE", "_FREE_RE", "_DURATION_RE", "_WEEKS"} <= names
    for name, regex in FOLDED:
        assert regex.caseless.flags & re.IGNORECASE, name
        assert not regex.exact.flags & re.IGNORECASE, name
        assert (regex.exact.groups, regex.exact.groupindex) == (regex.caseless.groups, regex.caseless.groupindex)


def test_lowered_keeps_escapes_and_group_names() -> None:
    assert _lowered(r"(?P<us_Hours>\D\S\W\B)EQF[A-Z](?P=us_Hours)") == r"(?P<us_Hours>\D\S\W\B)eqf[a-z](?P=us_Hours)"


def test_case_traps_cover_every_character_folded_text_can_hold() -> None:
    """Over every code point: a folded character that IGNORECASE equates with a different character of the
    patterns is one of _CASE_TRAPS (the guard that sends such text to the caseless pattern)."""
    everything = "".join(chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF)
    folded_chars = "".join(sorted(set(vocab.fold.__wrapped__(everything))))
    alphabet = {c for _, regex in FOLDED for c in regex.exact.pattern} | set("abcdefghijklmnopqrstuvwxyz")
    char_class = "[" + "".join(re.escape(c) for c in sorted(alphabet)) + "]"
    caseless = set(re.findall(char_class, folded_chars, re.IGNORECASE))
    exact = set(re.findall(char_class, folded_chars))
    assert caseless - exact <= set(_CASE_TRAPS)
    assert "\u0131" in caseless - exact  # the trap is real: ı survives folding and matches "i"


def test_a_trap_character_gets_the_caseless_pattern() -> None:
    regex = units._CREDITS_RE
    text = vocab.fold("5 credıtı")
    assert regex.exact.search(text) is None and regex.caseless.search(text) is not None
    assert regex.search(text) is not None
    # Bare credits of an Italian provider are ECTS (issue 14: every EHEA country but the UK counts in ECTS).
    assert parsing.parse_credits("5 credıtı", "IT") == units.Credits(5.0, "credits", True, "country")
    assert parsing.parse_credits("5 credıtı", "GB") == units.Credits(5.0, "credits", False)


@pytest.mark.parametrize(("name", "regex"), FOLDED, ids=[name for name, _ in FOLDED])
def test_folded_regex_finds_what_the_caseless_one_finds(name: str, regex: _FoldedRegex) -> None:
    for raw in _texts(4000, seed=len(name)):
        text = vocab.fold(raw)
        assert _matches(regex.finditer(text)) == _matches(regex.caseless.finditer(text)), (name, text)
        fast, plain = regex.search(text), regex.caseless.search(text)
        assert (fast and fast.span()) == (plain and plain.span()), (name, text)


_TEMPLATES = (
    "{w} 2027-02-01",
    "{w}: 01.03.2027",
    "{w} - 3/2/2027",
    "{w} 6",
    "{w} level 6",
    "5 {w}",
    "7,5 {w}",
    "3-5 {w} per week",
    "1 {w} 10 {w}",
    "{w}",
    "x{w} 2027-02-01",
    "{w}x 6",
    "2 to 4 {w}",
    "12 {w} a wk",
)


@pytest.mark.parametrize(("name", "regex"), FOLDED, ids=[name for name, _ in FOLDED])
def test_folded_regex_agrees_on_every_word_of_its_pattern(name: str, regex: _FoldedRegex) -> None:
    """Each word the pattern spells, in the places a match needs it: a ``needs`` list that forgets one fails."""
    words = set(re.findall(r"(?<!\\)[a-z]{2,}(?: [a-z]+)*", regex.exact.pattern))
    for word in sorted(words):
        for template in _TEMPLATES:
            text = template.format(w=word)
            assert _matches(regex.finditer(text)) == _matches(regex.caseless.finditer(text)), (name, text)
    if regex.needs:
        assert any(regex.caseless.search(t.format(w=w)) for w in words for t in _TEMPLATES), name


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=16))
def test_folded_regexes_agree_on_generated_text(parts: list[str]) -> None:
    text = vocab.fold("".join(parts))
    for name, regex in FOLDED:
        assert _matches(regex.finditer(text)) == _matches(regex.caseless.finditer(text)), (name, text)


def test_parsers_on_folded_text_agree_with_the_caseless_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole parsers, fast path against the original patterns (every _FoldedRegex forced caseless)."""
    texts = _texts(3000, seed=11)
    calls = (
        lambda t: parsing.parse_credits(t, "IT"),
        parsing.parse_workload,
        parsing.parse_weekly_hours,
        parsing.parse_eqf,
        parsing.parse_ects,
        parsing.parse_start_date,
        parsing.parse_end_date,
        parsing.says_free,
        parsing.parse_duration,
    )
    fast = [[call(t) for call in calls] for t in texts]
    for _, regex in FOLDED:
        monkeypatch.setattr(regex, "exact", regex.caseless)
    assert [[call(t) for call in calls] for t in texts] == fast


# ---- keyword patterns: the word index ------------------------------------------------------------------


def _keyword_patterns() -> list[classify._Keywords]:
    found = [v for v in vars(classify).values() if isinstance(v, classify._Keywords)]
    for value in vars(classify).values():
        if isinstance(value, tuple):
            found += [
                p
                for item in value
                if isinstance(item, tuple) and len(item) == 2
                for p in item[1:]
                if isinstance(p, classify._Keywords)
            ]
    return found + list(parsing._MODE_PATTERNS.values())


def _phrase_fragments() -> list[str]:
    words: set[str] = set()
    for keywords in _keyword_patterns():
        inner = keywords.pattern.removeprefix(r"(?<![\w-])(?:").removesuffix(r")(?![\w-])")
        for part in inner.split("|"):
            phrase = re.sub(r"\\(.)", r"\1", part.removesuffix(r"\w*"))
            words.add(phrase)
            words.update(phrase.split())
    return sorted(words)


_KEYWORD_FRAGMENTS = [*_phrase_fragments(), " ", "-", ".", "'", "x", "s", "ing", "\n", "é", "_", "1"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_KEYWORD_FRAGMENTS) | st.text(max_size=2), max_size=12))
def test_word_index_never_hides_a_keyword_match(parts: list[str]) -> None:
    text = "".join(parts)
    for keywords in _keyword_patterns():
        expected = [m.span() for m in keywords.regex.finditer(text)]
        assert [m.span() for m in keywords.finditer(text)] == expected, (keywords.pattern[:60], text)


def test_word_index_files_each_phrase_under_a_word_it_needs() -> None:
    schedule = dict(classify._SCHEDULE)["part_time"]
    assert schedule.ident in classify._keys_in("a part time job")
    assert schedule.ident not in classify._keys_in("apart timetable")
    stems = classify._words("zorbl*", "quux frob*", "hyph-en*")
    for text in ("zorbling", "quux frobnicate", "a hyph-enated word", "x hyph-en"):
        assert stems.search(text) is not None, text
        assert stems.search(text).span() == stems.regex.search(text).span()  # type: ignore[union-attr]
    assert stems.search("frobnicate quuxes") is None


def test_accredited_needs_one_of_its_stems() -> None:
    words = [
        "accredited",
        "akkreditiert",
        "acreditado",
        "geaccrediteerd",
        "reconnu par",
        "reconnu",
        "par",
        "by",
        "accreditation",
        "non-accredited",
        "xaccredit",
        "nvao",
        " ",
        "-",
        ".",
        "d",
    ]
    rng = random.Random(4)
    texts = ["".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    for text in texts:
        if classify._ACCREDITED.search(text):
            assert any(stem in text for stem in classify._ACCREDITED_STEMS), text
    assert parsing.parse_qa("Geaccrediteerd door de NVAO.") == [("external_programme", "NVAO")]
    assert parsing.parse_qa("Programme accredited by FIBAA") == [("external_programme", "FIBAA")]


def test_a_pattern_made_later_is_not_hidden_by_remembered_words() -> None:
    text = "the glorptastic course"
    assert classify._keys_in(text)  # remembered before the pattern exists
    later = classify._words("glorptastic")
    assert later.search(text) is not None


def test_word_memory_is_bounded_and_answers_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify, "_WORD_KEYS_MAX", 3)
    classify._keys_in.cache_clear()
    texts = ["Assessed by a written exam, an oral test and a portfolio.", "Self-paced, online, part-time."] * 3
    assert [parsing.parse_assessment(t) for t in texts] == [
        ["oral_examination", "written_examination", "portfolio"],
        [],
    ] * 3
    assert [parsing.parse_schedule(t) for t in texts] == [None, "self_paced"] * 3
    # Cleared whenever it would outgrow the bound: it holds at most the words of one text then.
    assert len(classify._WORD_KEYS) <= len(set(re.findall(r"\w+", parsing.fold(texts[0]))))


# ---- the crosswalk's remembered sentences -------------------------------------------------------------


def test_remembered_sentence_answers_are_the_parser_answers() -> None:
    sentences = [
        "Assessment is by a final project.",
        "No assessment.",
        "Ogni settimana alterna lezioni teoriche ed esercitazioni.",
        "Prüfung: Klausur (90 min).",
        "",
        *_texts(500, seed=5),
    ]
    for sentence in sentences * 2:  # the second round answers from memory
        assert mining.names_assessment(sentence) == bool(parsing.parse_assessment(sentence)), sentence


def test_unicode_normalisation_of_the_traps_is_as_assumed() -> None:
    # The reasoning behind _CASE_TRAPS: NFKD takes these apart, so only ı is left to match "i".
    assert vocab.fold("İſ\u212a") == "isk"
    assert unicodedata.decomposition("\u0131") == ""


# ---- dates and ISO hours --------------------------------------------------------------------------------


def _plain_numeric_date(value: str) -> date | None:
    """parse_date's numeric formats the plain way: strptime tries every format."""
    for fmt in parsing_time._DATE_FORMATS:
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def test_date_formats_are_skipped_only_when_their_separator_is_absent() -> None:
    rng = random.Random(2)
    pieces = [*"0123456789", "-", ".", "/", " ", "2027", "12", "1", "31", "T", "x", "Z", "+"]
    values = ["01.03.2027", "15/09/2027", "2027/09/15", "3-2-2027", "2027-02-01", "1.3.2027 ", " 1/3/2027"]
    values += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    for value in values:
        try:
            iso: date | None = datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            iso = None
        plain = iso or _plain_numeric_date(value.strip())
        expected = None if plain is None or plain.year < 1950 else plain
        if iso is None and plain is None:
            expected = parsing_time._named_month_date(value.strip())
        assert parsing.parse_date(value) == expected, value


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "PT",
                "pt",
                "Pt",
                "pT",
                "P",
                "T",
                "60",
                "1,5",
                "H",
                "h",
                " ",
                "x",
                "ſ",
                "ＰＴ",
                "İ",
                "\u0301",
                "hours",
                "\n",
            ]
        ),
        max_size=10,
    )
)
def test_iso_hours_need_pt_in_the_folded_text(parts: list[str]) -> None:
    text = "".join(parts)
    if units._ISO_HOURS.search(text):
        assert "pt" in units.fold(text), text


# ---- the crosswalk's remembered texts ------------------------------------------------------------------

_DESCRIPTION = (
    "A blended course. Assessment: a written exam and a portfolio. 3-6 ECTS · EQF level 6 · Starts 2027-02-01 · "
    "Ends 2027-04-30 · Fee: EUR 450. Part-time, 10 weeks. Accredited by NVAO. Supervised, with an ID check, online."
)


def _record(identifier: str, description: str = _DESCRIPTION, coverage: str = "Netherlands") -> SourceRecord:
    payload = (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Data skills</dc:title>'
        f"<dc:description>{description}</dc:description><dc:language>en</dc:language>"
        f"<dc:coverage>{coverage}</dc:coverage><dc:publisher>Zuiderzee University</dc:publisher></oai_dc:dc>"
    ).encode()
    return SourceRecord(identifier=identifier, payload=payload, datestamp="2026-01-05T00:00:00Z")


def test_a_repeated_description_gives_equal_independent_offerings() -> None:
    context = SourceContext(source_id="t", country="NL")
    first = oai_dc.to_offering(_record("a"), context)
    assert first.ects_range == [3.0, 6.0] and first.mode == ["blended"] and first.quality_assurance
    assert first.assessment_types == ["written_examination", "portfolio"]
    # The second record's values come from memory; changing the first offering must not reach them.
    first.mode.append("online")
    first.assessment_types.clear()
    first.ects_range.append(9.0)
    first.quality_assurance.clear()
    first.instances[0].price.clear()
    second = oai_dc.to_offering(_record("b"), context)
    fresh = oai_dc.to_offering(_record("b"), context)
    oai_dc._mine.cache_clear()
    uncached = oai_dc.to_offering(_record("b"), context)
    assert second.to_dict() == fresh.to_dict() == uncached.to_dict()
    assert second.mode == ["blended"] and second.ects_range == [3.0, 6.0] and second.quality_assurance
    assert second.instances[0].price and second.instances[0].price is not fresh.instances[0].price


def test_remembered_mining_depends_on_the_country() -> None:
    record = _record("c", "Omfattning: 7,5 hp. Distance course.", coverage="")
    swedish = oai_dc.to_offering(record, SourceContext(source_id="t", country="SE"))
    german = oai_dc.to_offering(record, SourceContext(source_id="t", country="DE"))
    assert swedish.ects_credits == 7.5 and german.ects_credits is None
    assert german.other_credits and german.other_credits[0].system == "hp"


def test_mine_is_every_parser_over_the_text() -> None:
    for text in [_DESCRIPTION, "", "Kostenlos. Beginn: 01.03.2027", *_texts(300, seed=9)]:
        mined = oai_dc._mine.__wrapped__(text, "IT")
        assert mined.credits == parsing.parse_credits(text, "IT")
        assert mined.hours == parsing.parse_workload(text) and mined.eqf == parsing.parse_eqf(text)
        assert list(mined.modes) == parsing.parse_modes(text) and mined.price == parsing.parse_price(text)
        assert (mined.start, mined.end) == (parsing.parse_start_date(text), parsing.parse_end_date(text))
        assert mined.free == parsing.says_free(text) and list(mined.assessment) == parsing.parse_assessment(text)
        assert mined.duration == parsing.parse_duration(text) and list(mined.qa) == parsing.parse_qa(text)
        assert (mined.schedule, mined.cycle, mined.stackability, mined.supervision) == (
            parsing.parse_schedule(text),
            parsing.parse_qf_ehea_cycle(text),
            parsing.parse_stackability(text),
            parsing.parse_supervision(text),
        )


def test_words_forgotten_in_between_are_looked_up_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another thread may clear the word memory between filling it and reading it: the answer is the same."""
    text = "a part-time online course with an oral exam"
    expected = classify._keys_in.__wrapped__(text)

    class Forgetful(dict[str, frozenset[int]]):
        def __getitem__(self, word: str) -> frozenset[int]:
            raise KeyError(word)

    monkeypatch.setattr(classify, "_WORD_KEYS", Forgetful())
    assert classify._keys_in.__wrapped__(text) == expected


def _fold_plain(text: str) -> str:
    """vocab.fold without its fast path for ASCII text."""
    stripped = re.sub(
        "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]", "", unicodedata.normalize("NFKD", text)
    )
    return re.sub(r"\s+", " ", stripped).strip().lower()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_folding_ascii_text_skips_nothing(text: str) -> None:
    assert vocab.fold.__wrapped__(text) == _fold_plain(text)


def _end_date_plain(text: str) -> date | None:
    """parse_end_date without its rejection of texts holding no end word: the deadlines always taken out."""
    folded = parsing._DEADLINE_RE.caseless.sub(" ", vocab.fold(text))
    match = parsing._END_RE.caseless.search(folded)
    return parsing.parse_date(match.group(1)) if match else None


_END_TEXTS = [
    "Ends 2027-06-30",
    "Anmeldung bis 15.09.2027 2027-06-30",
    "deadline 2027-01-01ends 2027-06-30",
    "Ende: 30.06.2027",
    "untıl 2027-06-30",
    "fin 01/07/2027, application deadline 2027-05-01",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_FRAGMENTS, *_END_TEXTS, "until ", "bis ", "deadline: "]), max_size=10))
def test_end_dates_are_what_the_whole_computation_finds(parts: list[str]) -> None:
    text = "".join(parts)
    assert parsing.parse_end_date(text) == _end_date_plain(text), text


def test_texts_without_an_assessment_cue_name_no_assessment() -> None:
    """mine() reads assessment sentences only when the whole folded text holds a cue; sentence by sentence
    the answer is the same."""
    cues = ["Assessment: final exam.", "Die Prüfung ist mündlich.", "Évaluation : projet.", "TEST\nweekly"]
    texts = [*cues, _DESCRIPTION, *_texts(300, seed=5), *(t + " " + c for t in _texts(50, seed=6) for c in cues)]
    for text in texts:
        about = [s for s in re.split(r"(?<=[.;!?])\s+|\n", text) if mining._ASSESSMENT_CUE.search(vocab.fold(s))]
        named = [s for s in about if parsing.parse_assessment(s)]
        mined = mining.mine.__wrapped__(text, None)
        assert mined.assessment == tuple(dict.fromkeys(t for s in named for t in parsing.parse_assessment(s))), text
        assert mined.assessment_sentences == (" ".join(named)[:2000] if mined.assessment else ""), text
