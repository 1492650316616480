"""Atom feeds of searches (read back with feedparser) and offering dates as iCalendar (read back with icalendar)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import feedparser
import icalendar
from flask.testing import FlaskClient

from offerings.model import Instance
from search_ui import create_app
from tests.search_ui.conftest import MINIMAL, Catalogue, build_catalogue, make_offering, rid


def test_search_feed_lists_the_newest_matching_offerings(client: FlaskClient) -> None:
    response = client.get("/search.atom?country=FR&mode=online")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    titles = {entry.title for entry in feed.entries}
    assert titles == {"Introduction à l'intelligence artificielle", "Santé publique", "Cybersécurité"}
    entry = next(e for e in feed.entries if e.title == "Cybersécurité")
    assert entry.link == f"http://localhost/offerings/{rid('fr-5')}"
    assert "France" in entry.summary and "2 ECTS" in entry.summary
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert any(link.rel == "alternate" and "country=FR" in link.href for link in feed.feed.links)


def test_search_page_links_its_feed(client: FlaskClient) -> None:
    html = client.get("/search?q=data&country=NL&compare=x").get_data(as_text=True)
    assert 'type="application/atom+xml"' in html
    assert 'href="/search.atom?q=data&amp;country=NL"' in html


def test_feed_with_a_bad_parameter_is_a_400_naming_it(client: FlaskClient) -> None:
    response = client.get("/search.atom?ects_min=lots")
    assert response.status_code == 400 and "ects_min" in response.get_data(as_text=True)


def test_offering_dates_as_icalendar(client: FlaskClient, catalogue: Catalogue) -> None:
    response = client.get(f"/offerings/{rid('nl-6')}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert str(events[0]["summary"]) == "Water Management"
    assert events[0].decoded("dtstart") == date(2031, 1, 10)
    assert events[0].decoded("dtend") == date(2031, 1, 10) + timedelta(days=1)
    assert str(events[0]["url"]).endswith(f"/offerings/{rid('nl-6')}")


def test_deadlines_become_events_of_their_own(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    offering = make_offering("de-9", "Kurs mit Frist", "DE", ["de"], ["online"], 2.0, 6, None, None)
    offering.instances = [
        Instance(start_date=date(2030, 4, 1), end_date=date(2030, 6, 30), application_deadline=date(2030, 3, 1))
    ]
    built.store.upsert(offering)
    app = create_app(built.settings, store=built.store, engine=built.engine)
    calendar = icalendar.Calendar.from_ical(app.test_client().get(f"/offerings/{rid('de-9')}.ics").data)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Kurs mit Frist", "Application deadline: Kurs mit Frist"}
    assert events["Kurs mit Frist"].decoded("dtend") == date(2030, 7, 1)
    assert events["Application deadline: Kurs mit Frist"].decoded("dtstart") == date(2030, 3, 1)
    assert len({str(e["uid"]) for e in events.values()}) == 2
    built.engine.close()
    built.store.close()


def test_calendar_of_unknown_undated_or_withdrawn_offerings(client: FlaskClient, catalogue: Catalogue) -> None:
    response = client.get("/offerings/no-such:thing.ics")
    assert response.status_code == 404 and "no-such:thing" in response.get_data(as_text=True)
    response = client.get(f"/offerings/{rid(MINIMAL)}.ics")
    assert response.status_code == 404 and "states no dates" in response.get_data(as_text=True)
    assert client.get(f"/offerings/{catalogue.withdrawn_id}.ics").status_code == 410


def test_offering_page_links_its_calendar(client: FlaskClient) -> None:
    html = client.get(f"/offerings/{rid('nl-6')}").get_data(as_text=True)
    assert f'href="/offerings/{rid("nl-6")}.ics"' in html
    html = client.get(f"/offerings/{rid(MINIMAL)}").get_data(as_text=True)
    assert ".ics" not in html
