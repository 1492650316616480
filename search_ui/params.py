"""Query string → :class:`~indexer.base.SearchQuery`, refusing anything we would not answer correctly.

Every function here raises :class:`offerings.errors.InvalidQuery` naming the offending parameter,
which the app turns into a 400 problem (JSON API) or a friendly message (HTML UI). Empty values
count as absent, because a plain GET form sends every field, filled in or not.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from datetime import date

from werkzeug.datastructures import MultiDict

from indexer.base import FACET_FIELDS, MAX_SIZE, SORTS, SearchQuery
from offerings import vocab
from offerings.errors import InvalidQuery
from offerings.vocab.isced import isced_f_within

__all__ = [
    "MAX_WINDOW",
    "NOT_COMMA_SEPARATED",
    "SEARCH_PARAMETERS",
    "given_filters",
    "parse_bool",
    "parse_int",
    "parse_search",
    "reject_unknown",
    "single",
]

logger = logging.getLogger(__name__)

RANGE_PARAMETERS = ("ects_min", "ects_max", "price_max")
DATE_PARAMETERS = ("starts_after", "starts_before")
CONTROL_PARAMETERS = ("q", "free", "open", "page", "size", "sort")
SEARCH_PARAMETERS: frozenset[str] = frozenset((*FACET_FIELDS, *RANGE_PARAMETERS, *DATE_PARAMETERS, *CONTROL_PARAMETERS))
# Deepest result reachable by paging: Elasticsearch/OpenSearch refuse beyond their default
# max_result_window, so we refuse first, with a message that names the parameter.
MAX_WINDOW = 10_000
MAX_QUERY_LENGTH = 500
MAX_VALUE_LENGTH = 200
MAX_VALUES = 50
# Provider facet values are slugs of names, which may themselves contain commas.
NOT_COMMA_SEPARATED = frozenset({"provider"})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/\-]*")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def reject_unknown(args: MultiDict[str, str], allowed: Iterable[str]) -> None:
    """Refuse parameters outside ``allowed``, so a typo is reported rather than silently ignored.

    Raises:
        InvalidQuery: naming the first unknown parameter.
    """
    known = set(allowed)
    for name in args:
        if name not in known:
            raise InvalidQuery(name, f"unknown parameter; expected one of {', '.join(sorted(known))}")


def single(args: MultiDict[str, str], name: str) -> str | None:
    """The one value of ``name`` (stripped), or None when absent or empty.

    Raises:
        InvalidQuery: the parameter was given more than once with different values.
    """
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if not values:
        return None
    if len(set(values)) > 1:
        raise InvalidQuery(name, "may be given only once")
    return values[0]


def parse_int(args: MultiDict[str, str], name: str, *, default: int, low: int, high: int | None = None) -> int:
    """An integer parameter within ``low``..``high`` (inclusive), or ``default`` when absent.

    Raises:
        InvalidQuery: not a whole number, or out of range.
    """
    raw = single(args, name)
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,18}", raw):
        raise InvalidQuery(name, f"must be a whole number, not {raw!r}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidQuery(name, f"must be {bounds}, not {value}")
    return value


def parse_bool(args: MultiDict[str, str], name: str) -> bool:
    """A ``true``/``false`` parameter (also 1/0, yes/no, on/off); absent means false.

    Raises:
        InvalidQuery: any other value.
    """
    raw = single(args, name)
    if raw is None:
        return False
    folded = raw.lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InvalidQuery(name, f"must be true or false, not {raw!r}")


def _number(args: MultiDict[str, str], name: str) -> float | None:
    raw = single(args, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidQuery(name, f"must be a number, not {raw!r}") from None
    # float() accepts "nan" and "inf", which no range can use.
    if not math.isfinite(value) or value < 0:
        raise InvalidQuery(name, f"must be a non-negative number, not {raw!r}")
    return value


def _date(args: MultiDict[str, str], name: str) -> str | None:
    raw = single(args, name)
    if raw is None:
        return None
    # fromisoformat alone also takes "20270101" and week dates; the API promises YYYY-MM-DD.
    if not _ISO_DATE.fullmatch(raw):
        raise InvalidQuery(name, f"must be a date as YYYY-MM-DD, not {raw!r}")
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise InvalidQuery(name, f"is not a real date: {raw!r}") from None


def _split(args: MultiDict[str, str], name: str) -> list[str]:
    values: list[str] = []
    for raw in args.getlist(name):
        parts = [raw] if name in NOT_COMMA_SEPARATED else raw.split(",")
        values.extend(p.strip() for p in parts if p.strip())
    return values


def _filter_value(name: str, raw: str) -> str:
    """Validate and normalise one filter value to the code the index holds."""
    if len(raw) > MAX_VALUE_LENGTH or _CONTROL_CHARS.search(raw):
        raise InvalidQuery(name, "value is too long or contains control characters")
    if name == "eqf_level":
        if not re.fullmatch(r"[1-8]", raw):
            raise InvalidQuery(name, f"must be an EQF level from 1 to 8, not {raw!r}")
        return raw
    if name == "language":
        code = vocab.language_code(raw) if re.fullmatch(r"[A-Za-z]{2}", raw) else None
        if code is None:
            raise InvalidQuery(name, f"must be a two-letter ISO 639-1 language code, not {raw!r}")
        return code
    if name == "country":
        # Accept what people type (nl, EL, UK); the index holds ISO 3166-1 alpha-2 upper case.
        code = vocab.country_code(raw) if re.fullmatch(r"[A-Za-z]{2}", raw) else None
        if code is None:
            raise InvalidQuery(name, f"must be a two-letter ISO 3166-1 country code, not {raw!r}")
        return code
    if name == "provider":
        return raw
    if not _CODE.fullmatch(raw):
        raise InvalidQuery(name, f"is not a valid code: {raw!r}")
    return raw


def given_filters(args: MultiDict[str, str]) -> dict[str, tuple[str, ...]]:
    """The filter values as the query string gives them (validated, normalised, not yet widened).

    Raises:
        InvalidQuery: a bad value, or too many, naming the parameter.
    """
    filters: dict[str, tuple[str, ...]] = {}
    for name in FACET_FIELDS:
        values = [_filter_value(name, raw) for raw in _split(args, name)]
        if len(values) > MAX_VALUES:
            raise InvalidQuery(name, f"at most {MAX_VALUES} values")
        if values:
            filters[name] = tuple(dict.fromkeys(values))
    return filters


def _filters(args: MultiDict[str, str]) -> dict[str, tuple[str, ...]]:
    """The filters the engine is asked: an ISCED-F field also matches the finer codes under it, so that
    ``isced_f=05`` (a broad field, one short shareable link) finds the offerings filed under 0541."""
    filters = given_filters(args)
    if "isced_f" in filters:
        wide = (code for given in filters["isced_f"] for code in isced_f_within(given))
        filters["isced_f"] = tuple(dict.fromkeys(wide))
    return filters


def parse_search(args: MultiDict[str, str]) -> SearchQuery:
    """Build the search of ``GET /api/v1/offerings`` (and the HTML search) from its query string.

    Raises:
        InvalidQuery: an unknown parameter or a bad value, naming the parameter.
    """
    reject_unknown(args, SEARCH_PARAMETERS)
    q = single(args, "q") or ""
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidQuery("q", f"at most {MAX_QUERY_LENGTH} characters")
    if _CONTROL_CHARS.search(q):
        raise InvalidQuery("q", "contains control characters")
    ects_min, ects_max = _number(args, "ects_min"), _number(args, "ects_max")
    if ects_min is not None and ects_max is not None and ects_min > ects_max:
        raise InvalidQuery("ects_min", "must not be greater than ects_max")
    starts_after, starts_before = _date(args, "starts_after"), _date(args, "starts_before")
    if starts_after and starts_before and starts_after > starts_before:
        raise InvalidQuery("starts_after", "must not be later than starts_before")
    size = parse_int(args, "size", default=20, low=1, high=MAX_SIZE)
    page = parse_int(args, "page", default=1, low=1)
    if page * size > MAX_WINDOW:
        raise InvalidQuery("page", f"too deep: page × size may be at most {MAX_WINDOW}; narrow the search")
    sort = single(args, "sort") or "relevance"
    if sort not in SORTS:
        raise InvalidQuery("sort", f"must be one of {', '.join(SORTS)}, not {sort!r}")
    return SearchQuery(
        q=q,
        filters=_filters(args),
        ects_min=ects_min,
        ects_max=ects_max,
        price_max=_number(args, "price_max"),
        starts_after=starts_after,
        starts_before=starts_before,
        free=parse_bool(args, "free"),
        open=parse_bool(args, "open"),
        sort=sort,
        page=page,
        size=size,
    )
