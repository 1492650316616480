"""Crosswalk fields keep the model's types: bugs that mypy found where a value of another type got through."""

from __future__ import annotations

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord

CONTEXT = SourceContext(source_id="t", name="Test University", country="NL")
XCRI = (
    '<catalog xmlns="http://xcri.org/profiles/1.2/catalog" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xcri="http://xcri.org/profiles/1.2/catalog/terms" '
    'xmlns:mlo="http://purl.org/net/mlo">'
    "<provider><dc:title>U</dc:title><course><dc:identifier>c</dc:identifier><dc:title>Data</dc:title>"
    '<dc:description xsi:type="xcri:contactHours">{}</dc:description></course></provider></catalog>'
)


def _xcri(contact_hours: str) -> SourceRecord:
    return SourceRecord(identifier="r1", payload=XCRI.format(contact_hours).encode())


def test_xcri_contact_hours_are_one_number() -> None:
    offering = CROSSWALKS["xcri_cap"](_xcri("24 hours"), CONTEXT)
    assert offering.contact_hours == 24.0


def test_xcri_contact_hours_given_as_a_range_are_not_stored_as_a_pair() -> None:
    # contact_hours is one float; parse_workload reads "20-30 hours" as the pair (20, 30).
    offering = CROSSWALKS["xcri_cap"](_xcri("20-30 hours"), CONTEXT)
    assert offering.contact_hours is None
    assert any(w.startswith("contact_hours:") for w in offering.crosswalk_warnings)
