"""params.parse_search: query strings to SearchQuery, and InvalidQuery naming the parameter for bad ones."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from indexer.base import SearchQuery
from offerings.errors import InvalidQuery
from search_ui.params import parse_search


def parse(query: str) -> SearchQuery:
    pairs = [tuple(p.split("=", 1)) for p in query.split("&") if p]
    return parse_search(MultiDict(pairs))


def test_defaults() -> None:
    query = parse("")
    assert query == SearchQuery()
    assert (query.page, query.size, query.sort, query.free, query.open) == (1, 20, "relevance", False, False)


def test_everything_parsed_and_normalised() -> None:
    query = parse(
        "q=data science&country=nl&country=DE,fr&language=EN&eqf_level=6,7&mode=online"
        "&ects_min=2.5&ects_max=10&price_max=0&starts_after=2030-01-01&starts_before=2030-12-31"
        "&free=true&open=false&page=3&size=50&sort=-ects"
    )
    assert query.q == "data science"
    assert query.filters == {
        "country": ("NL", "DE", "FR"),
        "language": ("en",),
        "eqf_level": ("6", "7"),
        "mode": ("online",),
    }
    assert (query.ects_min, query.ects_max, query.price_max) == (2.5, 10.0, 0.0)
    assert (query.starts_after, query.starts_before) == ("2030-01-01", "2030-12-31")
    assert (query.free, query.open, query.page, query.size, query.sort) == (True, False, 3, 50, "-ects")


def test_empty_values_count_as_absent() -> None:
    # A plain GET form sends every field, filled in or not.
    assert parse("q=&ects_min=&starts_after=&sort=&page=&size=&country=") == SearchQuery()


def test_country_accepts_eu_spellings_and_repeated_values_collapse() -> None:
    assert parse("country=EL&country=uk&country=GR").filters == {"country": ("GR", "GB")}


def test_provider_values_are_not_split_on_commas() -> None:
    # Provider facet values are slugs of names, and names contain commas.
    assert parse("provider=university-of-x,-campus-y").filters == {"provider": ("university-of-x,-campus-y",)}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("size=0", "size"),
        ("size=101", "size"),
        ("size=ten", "size"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page=101&size=100", "page"),
        ("eqf_level=9", "eqf_level"),
        ("eqf_level=0", "eqf_level"),
        ("eqf_level=6,x", "eqf_level"),
        ("language=english", "language"),
        ("language=xx", "language"),
        ("country=Narnia", "country"),
        ("country=XX", "country"),
        ("ects_min=abc", "ects_min"),
        ("ects_min=-1", "ects_min"),
        ("ects_max=nan", "ects_max"),
        ("price_max=inf", "price_max"),
        ("ects_min=6&ects_max=5", "ects_min"),
        ("starts_after=2027-13-01", "starts_after"),
        ("starts_before=2027-02-30", "starts_before"),
        ("starts_after=01/02/2027", "starts_after"),
        ("starts_after=20270101", "starts_after"),
        ("starts_after=2030-02-01&starts_before=2030-01-01", "starts_after"),
        ("free=maybe", "free"),
        ("open=2", "open"),
        ("sort=bogus", "sort"),
        ("sort=title&sort=ects", "sort"),
        ("mode=not a code", "mode"),
        ("q=" + "x" * 501, "q"),
        ("colour=blue", "colour"),
        ("_page=2", "_page"),
    ],
)
def test_bad_values_name_the_parameter(query: str, parameter: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse(query)
    assert caught.value.parameter == parameter
    assert caught.value.detail
