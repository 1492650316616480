"""The source page renders the source's quality report: per Annex I element the share of its records that
carry it, and the commonest warnings with links to example offerings. Every figure is recomputed here
from the stored records, not read back from the report."""

from __future__ import annotations

from collections import Counter

import lxml.html
from flask.testing import FlaskClient

from offerings.quality import CORE_ELEMENTS
from offerings.store import Source
from tests.search_ui.conftest import MINIMAL, Catalogue, rid


def _page(client: FlaskClient, source_id: str) -> lxml.html.HtmlElement:
    response = client.get(f"/sources/{source_id}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    return lxml.html.fromstring(response.get_data(as_text=True))


def _cells(row: lxml.html.HtmlElement) -> list[str]:
    return [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]


def test_annex1_shares_are_those_of_the_stored_records(client: FlaskClient, catalogue: Catalogue) -> None:
    # de-hs holds six full offerings and the sparse one, so the shares are not all 100 %.
    records = list(catalogue.store.live_records("de-hs"))
    assert rid(MINIMAL) in {r.id for r in records}
    html = _page(client, "de-hs")
    annex = html.xpath('(//table[@class="coverage"])[1]/tbody/tr')
    rows = {cells[0].split(" ", 1)[0]: cells for cells in map(_cells, annex)}
    shares = set()
    for element, _ in CORE_ELEMENTS:
        carrying = sum(1 for r in records if r.quality["core"].get(element, "missing") != "missing")
        share = f"{100 * carrying / len(records):.1f} %"
        shares.add(share)
        code = element.split(" ", 1)[0]
        assert rows[code][1] == str(carrying), element
        assert rows[code][2] == share, element
        assert rows[code][5] == str(len(records) - carrying), element
    assert len(shares) > 1  # the sparse record shows: some elements are carried by fewer records
    mean = round(sum(r.completeness for r in records) / len(records), 1)
    assert f"Completeness {mean} on average" in " ".join(html.text_content().split())


def test_commonest_warnings_link_to_example_offerings(client: FlaskClient, catalogue: Catalogue) -> None:
    records = list(catalogue.store.live_records("nl-uni"))
    counts = Counter(w for r in records for w in r.quality.get("warnings", []))
    html = _page(client, "nl-uni")
    rows = html.xpath('//table[@class="warnings"]/tbody/tr')
    shown = {_cells(row)[0]: row for row in rows}
    for warning, count in counts.most_common(3):
        row = shown[warning]
        assert _cells(row)[1] == str(count)
        links = row.xpath(".//a/@href")
        assert links, warning
        carrying = {r.id for r in records if warning in r.quality.get("warnings", [])}
        for href in links:
            assert href.startswith("/offerings/") and href.removeprefix("/offerings/") in carrying
    # The first warning is the commonest.
    assert _cells(rows[0])[0] == counts.most_common(1)[0][0]


def test_every_link_of_the_report_opens_an_offering(client: FlaskClient) -> None:
    html = _page(client, "nl-uni")
    for href in set(html.xpath('//section[@class="quality"]//a[starts-with(@href, "/offerings/")]/@href')):
        assert client.get(href).status_code == 200, href


def test_a_source_without_records_says_so(client: FlaskClient, catalogue: Catalogue) -> None:
    catalogue.store.sources.add(Source(id="empty-feed", url="http://127.0.0.1:9/empty.xml", kind="feed"))
    html = _page(client, "empty-feed")
    assert "has no live records yet" in html.text_content()
    assert not html.xpath('//table[@class="coverage"]')
