"""The comparison page ``/compare?ids=a,b,c``: up to four offerings side by side, differences marked.

The list of offerings lives in the URL only (no session, no JavaScript): every "add to
comparison" is a link to ``/compare`` with one more id, every "remove" a link with one less, and
the search page carries the list along in its ``compare`` parameter so a student can keep adding.
Ids we do not know, or whose offering was withdrawn, are named on the page instead of failing it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from offerings.errors import NotFound
from offerings.model import Offering, pick_text
from offerings.store import StoredRecord
from search_ui import services
from search_ui.labels import assessment_label, code_label, long_date, number
from search_ui.supplement import price_lines

__all__ = ["MAX_COMPARED", "add_url", "bp", "compare_rows", "parse_ids", "remove_url"]

logger = logging.getLogger(__name__)

bp = Blueprint("compare", __name__)

MAX_COMPARED = 4
MAX_ID_LENGTH = 300


def parse_ids(args: MultiDict[str, str], name: str = "ids") -> list[str]:
    """The ids of ``ids=a,b`` (or ``ids=a&ids=b``), in order, without blanks or repeats."""
    found = [part.strip() for raw in args.getlist(name) for part in raw.split(",")]
    return list(dict.fromkeys(i[:MAX_ID_LENGTH] for i in found if i))


def compare_url(ids: list[str]) -> str:
    """The comparison page of ``ids``."""
    return url_for("compare.page", ids=",".join(ids)) if ids else url_for("compare.page")


def add_url(ids: list[str], record_id: str) -> str:
    """The comparison of ``ids`` with ``record_id`` added at the end (once)."""
    return compare_url([*(i for i in ids if i != record_id), record_id])


def remove_url(ids: list[str], record_id: str) -> str:
    """The comparison of ``ids`` without ``record_id``."""
    return compare_url([i for i in ids if i != record_id])


# The rows of the comparison, in order: the facts a student weighs first.
ROW_LABELS: dict[str, Any] = {
    "workload": _l("Workload (ECTS or hours)"),
    "eqf": _l("EQF level"),
    "duration": _l("Duration"),
    "price": _l("Price"),
    "mode": _l("Mode of study"),
    "languages": _l("Languages of instruction"),
    "assessment": _l("Assessment"),
    "qa": _l("Quality assurance"),
    "prerequisites": _l("Prerequisites"),
    "stackability": _l("Stackability"),
    "start": _l("Next start"),
    "deadline": _l("Application deadline"),
}


@dataclass(slots=True)
class CompareRow:
    """One line of the comparison: a label and each offering's values ([] is "not stated")."""

    label: str
    cells: list[list[str]]
    differs: bool = field(default=False)


def _workload(o: Offering) -> list[str]:
    if o.ects_credits is not None:
        return [_("%(credits)s ECTS", credits=number(o.ects_credits))]
    if o.workload_hours is not None:
        return [_("%(hours)s hours", hours=number(o.workload_hours))]
    return []


def _duration(o: Offering) -> list[str]:
    found = [o.duration] if o.duration else [i.duration for i in o.instances if i.duration]
    if not found:
        runs = [i for i in o.instances if i.start_date and i.end_date]
        found = [_days((i.end_date - i.start_date).days + 1) for i in runs if i.end_date and i.start_date]
    return list(dict.fromkeys(_iso_duration(d) for d in found))


def _days(count: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", count)


def _iso_duration(value: str) -> str:
    """``P6W`` → ``6 weeks``; anything else as given."""
    text = value.upper()
    if not (text.startswith("P") and len(text) > 2 and text[1:-1].isdigit()):
        return value
    count = int(text[1:-1])
    unit = text[-1]
    if unit == "Y":
        return ngettext("%(num)d year", "%(num)d years", count)
    if unit == "M":
        return ngettext("%(num)d month", "%(num)d months", count)
    if unit == "W":
        return ngettext("%(num)d week", "%(num)d weeks", count)
    if unit == "D":
        return _days(count)
    return value


def _next(o: Offering, attribute: str) -> list[str]:
    today = date.today()
    days = sorted(d for i in o.instances if (d := getattr(i, attribute)) and d >= today)
    if not days:
        days = sorted(d for i in o.instances if (d := getattr(i, attribute)))[-1:]
    return [long_date(days[0])] if days else []


def _cells(o: Offering) -> dict[str, list[str]]:
    lang = o.default_language
    return {
        "workload": _workload(o),
        "eqf": [_("EQF %(level)s", level=o.eqf_level)] if o.eqf_level is not None else [],
        "duration": _duration(o),
        "price": price_lines(o),
        "mode": [code_label("mode", m) for m in o.mode],
        "languages": [code_label("language", c) for c in o.languages_of_instruction],
        "assessment": [assessment_label(a) for a in o.assessment_types],
        "qa": [code_label("qa_type", q.type) for q in o.quality_assurance],
        "prerequisites": [t for t in [pick_text(o.prerequisites, lang)] if t],
        "stackability": [code_label("stackability", o.stackability)] if o.stackability else [],
        "start": _next(o, "start_date"),
        "deadline": _next(o, "application_deadline"),
    }


def compare_rows(offerings: list[Offering]) -> list[CompareRow]:
    """The rows of the comparison; a row ``differs`` when the offerings do not all say the same."""
    columns = [_cells(o) for o in offerings]
    rows = []
    for key in columns[0] if columns else []:
        cells = [column[key] for column in columns]
        rows.append(CompareRow(str(ROW_LABELS[key]), cells, differs=len({tuple(c) for c in cells}) > 1))
    return rows


def _providers(o: Offering) -> str:
    return ", ".join(pick_text(p.name, o.default_language) for p in o.provider)


def _lookup(ids: list[str]) -> tuple[list[StoredRecord], list[str], list[str]]:
    """The live records of ``ids``, and the ids unknown and withdrawn."""
    store = services.store()
    found, unknown, withdrawn = [], [], []
    for record_id in ids:
        try:
            record = store.get(record_id)
        except NotFound:
            unknown.append(record_id)
            continue
        (withdrawn.append(record_id) if record.deleted else found.append(record))
    return found, unknown, withdrawn


@bp.get("/compare")
def page() -> tuple[str, int]:
    """Up to four offerings side by side (always 200: problems with the ids are told on the page)."""
    ids = parse_ids(request.args)
    dropped = ids[MAX_COMPARED:]
    ids = ids[:MAX_COMPARED]
    records, unknown, withdrawn = _lookup(ids)
    kept = [r.id for r in records]
    return render_template(
        "compare.html",
        ids=ids,
        kept=kept,
        records=records,
        titles=[r.offering.main_title or r.id for r in records],
        providers=[_providers(r.offering) for r in records],
        rows=compare_rows([r.offering for r in records]),
        unknown=unknown,
        withdrawn=withdrawn,
        dropped=dropped,
        max_compared=MAX_COMPARED,
        remove_urls=[remove_url(kept, r.id) for r in records],
        clean_url=compare_url(kept),
        search_url=url_for("ui.search", compare=",".join(kept)) if kept else url_for("ui.search"),
    ), 200


@bp.app_template_global()
def comparing() -> list[str]:
    """The ids the current page carries in its ``compare`` parameter (the comparison being built)."""
    return parse_ids(request.args, "compare")[:MAX_COMPARED]


@bp.app_template_global()
def compare_add_url(record_id: str) -> str:
    """Link adding ``record_id`` to the comparison the current page carries."""
    return add_url(comparing(), record_id)
