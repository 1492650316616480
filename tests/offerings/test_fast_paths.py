"""The harvest fast paths give exactly the answers of the plain code they stand in for.

The keyword pre-checks, the price search start, the remembered fold and the JSON walk of the model
exist only for speed (issue 3, harvest benchmark); each is compared here with the straightforward
computation on crafted and on seeded random input, so a pre-check that ever hides a match fails.
"""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import date
from typing import Any

import pytest

from offerings import vocab
from offerings.model import Offering
from offerings.text import classify, parsing
from offerings.text.units import fold
from tests.factories import full_offering


def _keyword_patterns() -> list[tuple[str, classify._Keywords]]:
    """Every keyword pattern of the classifiers and of the mode parser, named."""
    found: list[tuple[str, classify._Keywords]] = []
    for name, value in vars(classify).items():
        if isinstance(value, classify._Keywords):
            found.append((name, value))
        elif isinstance(value, tuple):
            pairs = [item for item in value if isinstance(item, tuple) and len(item) == 2]
            found += [(f"{name}:{code}", p) for code, p in pairs if isinstance(p, classify._Keywords)]
    found += [(f"mode:{code}", p) for code, p in parsing._MODE_PATTERNS.items()]
    return found


def _phrases(keywords: classify._Keywords) -> list[str]:
    """The phrases of a keyword pattern, read back from the regex itself (not from the pre-check's literals)."""
    inner = keywords.pattern.removeprefix(r"(?<![\w-])(?:").removesuffix(r")(?![\w-])")
    return [re.sub(r"\\(.)", r"\1", part.replace(r"\w*", "")) for part in inner.split("|")]


def _random_texts(words: list[str], count: int, seed: int) -> list[str]:
    """Texts glued from keyword fragments, word characters, hyphens and separators (boundaries matter)."""
    rng = random.Random(seed)
    pieces = [*words, *(w[: max(1, len(w) // 2)] for w in words), "x", "-", " ", ".", "s", "ing", "\n", "é"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(count)]


@pytest.mark.parametrize(("name", "keywords"), _keyword_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_keyword_precheck_never_hides_a_match(name: str, keywords: classify._Keywords) -> None:
    words = sorted(set(_phrases(keywords)) | {"peer", "oral", "exam", "online", "part-time", "project"})
    for text in _random_texts(words, 3000, seed=len(name)):
        expected = [m.span() for m in keywords.regex.finditer(text)]
        assert [m.span() for m in keywords.finditer(text)] == expected, (name, text)
        assert bool(keywords.search(text)) == bool(expected), (name, text)


def test_keyword_precheck_skips_text_without_literals() -> None:
    schedule = dict(classify._SCHEDULE)["part_time"]
    assert not schedule.maybe("a full description that names no schedule")
    assert schedule.maybe("berufsbegleitend")
    # "xpart" is not the word "part" the phrases are filed under: ruled out before any regex runs.
    assert not schedule.maybe("xpart-timey") and schedule.search("xpart-timey") is None
    # Word and literal both present is not yet a match: the whole-word rule still decides.
    assert schedule.maybe("part-timey") and schedule.search("part-timey") is None


def test_assessment_precheck_covers_every_type() -> None:
    for code, pattern in classify._ASSESSMENT:
        assert pattern.ident in classify._ANY_ASSESSMENT, code
    assert parsing.parse_assessment("Assessed by a written exam and a portfolio.") == [
        "written_examination",
        "portfolio",
    ]
    assert parsing.parse_assessment("Nothing to see here.") == []


_PRICE_TEXTS = [
    "Fee: € 1.250,00 (incl. VAT)",
    "12 ECTS · Tarif : 2 400 €",
    "costs 450 EUR, or 300 euros for alumni",
    "GBP 90 per module",
    "3 credits, 5 weeks, 2 024 hours",  # digits, no currency
    "Kosten 99 ſek",  # long s: matched by IGNORECASE, not by lower()
    "İstanbul campus, 1 000 ISK",  # dotted capital I lengthens under lower()
    "ıs 5 isk",
    "1 2 3 4 5 6 7 8 9 usd",
    "price: $",
    "",
]


def test_price_search_start_never_skips_a_match() -> None:
    rng = random.Random(3)
    alphabet = [*"0123456789 .,'’€£$\n\t", "eur", "EUR", "Euros", "gbp", "CHF", "isk", "ı", "ſ", "İ", "K", "ab"]
    texts = _PRICE_TEXTS + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(20000)]
    for text in texts:
        expected = parsing._PRICE_RE.search(text)
        start = parsing._price_search_start(text)
        found = parsing._PRICE_RE.search(text, start) if start is not None else None
        assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups()))


def test_parse_price_examples() -> None:
    assert parsing.parse_price("Fee: € 1.250,00 (incl. VAT)") == (1250.0, "EUR")
    assert parsing.parse_price("12 ECTS · Tarif : 2 400 €") == (2400.0, "EUR")
    assert parsing.parse_price("3 credits, 5 weeks") is None


def test_remembered_fold_is_fold() -> None:
    for text in ["Modalità: blended", "  Prüfung  ÉCOLE\tx ", "ſ İ ı K", ""]:
        assert fold(text) == vocab.fold(text)
        assert fold(text) == vocab.fold(text)  # the second answer comes from the cache


def _plain_jsonable(value: Any) -> Any:
    """The model's JSON form computed the obvious way (the walk it replaced)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def test_to_dict_equals_the_plain_walk_and_round_trips() -> None:
    offering = full_offering()
    offering.ects_range = [2.0, 3.0]
    offering.subjects = ["a", "b"]
    data = offering.to_dict()
    assert data == _plain_jsonable(offering)
    assert data["instances"][0]["start_date"] == offering.instances[0].start_date.isoformat()
    assert Offering.from_dict(data) == offering
    # Unknown keys (records stored by newer code) are ignored, missing ones take defaults.
    assert Offering.from_dict({**data, "no_such_field": 1}) == offering
    minimal = Offering.from_dict(
        {k: data[k] for k in ("record_id", "source_id", "source_format", "original_identifier")}
    )
    assert minimal.instances == [] and minimal.title == {}
