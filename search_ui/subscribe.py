"""Staying informed: an Atom feed of every search (``/search.atom?…``) and an offering's dates as iCalendar.

The feed takes the search page's parameters and lists the newest matching offerings (sorted by
when the catalogue last changed them), so a student can subscribe to "data science, online, EQF 6"
in any feed reader. The calendar holds one all-day event per run of the offering and one per
application deadline, so both land in the student's calendar.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from werkzeug.datastructures import MultiDict

from offerings.model import Offering, pick_text
from search_ui import services
from search_ui.api import live_record
from search_ui.labels import code_label, number
from search_ui.params import parse_search
from search_ui.views import UI_PARAMETERS

__all__ = ["FEED_SIZE", "bp", "offering_calendar", "search_feed"]

logger = logging.getLogger(__name__)

bp = Blueprint("subscribe", __name__)

FEED_SIZE = 20
ATOM = "application/atom+xml"
ICS = "text/calendar"


def _timestamp(value: str | None) -> datetime:
    if value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime(1970, 1, 1, tzinfo=UTC)


def _summary(doc: dict[str, Any]) -> str:
    parts = [str(doc.get("provider") or "")]
    parts += [code_label("country", c) for c in doc.get("country") or []]
    if doc.get("ects_credits") is not None:
        parts.append(_("%(credits)s ECTS", credits=number(doc["ects_credits"])))
    if doc.get("eqf_level") is not None:
        parts.append(_("EQF %(level)s", level=doc["eqf_level"]))
    if doc.get("start_date"):
        parts.append(_("starts %(date)s", date=doc["start_date"]))
    return " · ".join(p for p in parts if p)


def search_feed(args: MultiDict[str, str]) -> bytes:
    """The Atom document of the newest offerings matching the search ``args``.

    Raises:
        InvalidQuery: a bad parameter (the app answers 400 naming it).
    """
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in UI_PARAMETERS and k not in ("sort", "page")]
    query = replace(parse_search(MultiDict(pairs)), sort="updated", page=1, size=FEED_SIZE)
    found = services.engine().search(query)
    values: dict[str, Any] = MultiDict(pairs).to_dict(flat=False)  # url_for takes each parameter's values
    page_url = url_for("ui.search", _external=True, **values)
    feed = FeedGenerator()
    feed.id(page_url)
    feed.title(_("Micro-credential catalogue") + (f": {query.q}" if query.q else ""))
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.link(href=request.url, rel="self", type=ATOM)
    feed.language(str(request.accept_languages.best or "en"))
    newest = [_timestamp(d.get("updated")) for d in found.results]
    feed.updated(max(newest) if newest else datetime(1970, 1, 1, tzinfo=UTC))
    # feedgen writes entries in the reverse order of adding them: add the oldest first.
    for doc in reversed(found.results):
        entry = feed.add_entry()
        link = url_for("ui.offering", record_id=doc["id"], _external=True)
        entry.id(link)
        entry.title(str(doc.get("title") or doc["id"]))
        entry.link(href=link, rel="alternate", type="text/html")
        entry.updated(_timestamp(doc.get("updated")))
        entry.summary(_summary(doc))
        if doc.get("provider"):
            entry.author(name=str(doc["provider"]))
    result: bytes = feed.atom_str(pretty=True)
    return result


def _day_event(uid: str, summary: str, day: date, end: date | None, o: Offering, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("summary", summary)
    event.add("dtstart", day)
    # All-day events end on the day after their last day (RFC 5545 §3.6.1).
    event.add("dtend", (end or day) + timedelta(days=1))
    event.add("url", url)
    description = pick_text(o.description, o.default_language)
    if description:
        event.add("description", description[:2000])
    return event


def offering_calendar(record_id: str) -> bytes:
    """The iCalendar document of the runs and application deadlines of offering ``record_id``.

    Raises:
        NotFound: no such offering, or it states no dates (→ 404 page naming it).
        Gone: the offering was withdrawn (→ 410).
    """
    record = live_record(record_id)
    o = record.offering
    title = o.main_title or record.id
    url = url_for("ui.offering", record_id=record.id, _external=True)
    calendar = Calendar()
    calendar.add("prodid", "-//microcred//micro-credential catalogue//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    for n, run in enumerate(o.instances):
        if run.start_date:
            event = _day_event(f"{record.id}/{n}/run@microcred", title, run.start_date, run.end_date, o, url)
            if run.location:
                event.add("location", run.location)
            calendar.add_component(event)
        if run.application_deadline:
            summary = _("Application deadline: %(title)s", title=title)
            calendar.add_component(
                _day_event(f"{record.id}/{n}/deadline@microcred", summary, run.application_deadline, None, o, url)
            )
    if not calendar.subcomponents:
        abort(404, description=_("The offering “%(id)s” states no dates to put in a calendar.", id=record.id))
    result: bytes = calendar.to_ical()
    return result


@bp.get("/search.atom")
def atom() -> Response:
    """The Atom feed of a search: the search page's parameters, newest offerings first."""
    return Response(search_feed(request.args), mimetype=ATOM)


@bp.get("/offerings/<path:record_id>.ics")
def ics(record_id: str) -> Response:
    """An offering's runs and deadlines as iCalendar, to download into a calendar."""
    response = Response(offering_calendar(record_id), mimetype=ICS)
    filename = "".join(c if c.isalnum() else "-" for c in record_id)[:80]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response
