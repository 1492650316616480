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

from flask import Blueprint, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from offerings.errors import NotFound
from offerings.model import Offering, pick_text
from offerings.store import StoredRecord
from search_ui import services
from search_ui.labels import assessment_label, code_label, long_date
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


@dataclass(slots=True)
class CompareRow:
    """One line of the comparison: a label and each offering's values ([] is "not stated")."""

    label: str
    cells: list[list[str]]
    differs: bool = field(default=False)


def _workload(o: Offering) -> list[str]:
    if o.ects_credits is not None:
        return [f"{o.ects_credits:g} ECTS"]
    if o.workload_hours is not None:
        return [f"{o.workload_hours:g} hours"]
    return []


def _duration(o: Offering) -> list[str]:
    found = [o.duration] if o.duration else [i.duration for i in o.instances if i.duration]
    if not found:
        runs = [i for i in o.instances if i.start_date and i.end_date]
        found = [f"{(i.end_date - i.start_date).days + 1} days" for i in runs if i.end_date and i.start_date]
    return list(dict.fromkeys(_iso_duration(d) for d in found))


def _iso_duration(value: str) -> str:
    """``P6W`` → ``6 weeks``; anything else as given."""
    units = {"Y": "year", "M": "month", "W": "week", "D": "day"}
    text = value.upper()
    if text.startswith("P") and len(text) > 2 and text[-1] in units and text[1:-1].isdigit():
        count = int(text[1:-1])
        return f"{count} {units[text[-1]]}{'' if count == 1 else 's'}"
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
        "Workload (ECTS or hours)": _workload(o),
        "EQF level": [f"EQF {o.eqf_level}"] if o.eqf_level is not None else [],
        "Duration": _duration(o),
        "Price": price_lines(o),
        "Mode of study": [code_label("mode", m) for m in o.mode],
        "Languages of instruction": [code_label("language", c) for c in o.languages_of_instruction],
        "Assessment": [assessment_label(a) for a in o.assessment_types],
        "Quality assurance": [code_label("qa_type", q.type) for q in o.quality_assurance],
        "Prerequisites": [t for t in [pick_text(o.prerequisites, lang)] if t],
        "Stackability": [code_label("stackability", o.stackability)] if o.stackability else [],
        "Next start": _next(o, "start_date"),
        "Application deadline": _next(o, "application_deadline"),
    }


def compare_rows(offerings: list[Offering]) -> list[CompareRow]:
    """The rows of the comparison; a row ``differs`` when the offerings do not all say the same."""
    columns = [_cells(o) for o in offerings]
    rows = []
    for label in columns[0] if columns else []:
        cells = [column[label] for column in columns]
        rows.append(CompareRow(label, cells, differs=len({tuple(c) for c in cells}) > 1))
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
