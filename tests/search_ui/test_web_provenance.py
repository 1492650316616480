"""The credit supplement says how each mined or inferred value was come by, in English, German and French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.model import Provenance
from search_ui.provenance import describe
from tests.search_ui.conftest import rid

EVAL = Path(__file__).resolve().parents[2] / "tests" / "data" / "eval" / "records.jsonl"


def _marks() -> list[Provenance]:
    found: dict[tuple[str, str], Provenance] = {}
    with EVAL.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            record = SourceRecord(identifier=item["id"], payload=item["payload"].encode(), url=item.get("url"))
            offering = CROSSWALKS[item["format"]](record, SourceContext(**item["context"]))
            for mark in offering.field_provenance.values():
                if mark.method != "declared":
                    found.setdefault((mark.method, mark.source_path), mark)
    return list(found.values())


def test_every_mark_the_crosswalks_write_is_put_in_words(app: Flask) -> None:
    """No mark of the evaluation set is shown as its raw path: each one has a sentence with its basis."""
    marks = _marks()
    assert len(marks) > 40
    with app.test_request_context("/"):
        for mark in marks:
            text = describe(mark)
            # The fallbacks for a path no table knows are "from <path>" and "read from <path>".
            assert text and f"from {mark.source_path}" not in text, (mark, text)


@pytest.mark.parametrize(
    ("lang", "mark", "expected"),
    [
        ("en", Provenance(source_path="dc:description", method="parsed"), "read from the description"),
        ("de", Provenance(source_path="dc:description", method="parsed"), "aus der Beschreibung gelesen"),
        ("fr", Provenance(source_path="dc:subject", method="parsed"), "lu dans les mots-clés"),
        (
            "en",
            Provenance(source_path="provider.ids.erasmus_code", method="inferred"),
            "inferred from the provider's registry entry (Erasmus code)",
        ),
        (
            "de",
            Provenance(source_path="source.country", method="inferred"),
            "erschlossen aus dem Land, unter dem die Quelle registriert ist",
        ),
        (
            "en",
            Provenance(source_path="dc:subject: lp is ECTS in every EHEA country writing de", method="inferred"),
            "inferred: LP counts as ECTS in every EHEA country writing German (read from the keywords)",
        ),
        (
            "fr",
            Provenance(
                source_path="description: hp is ECTS in SE (record_url (country-code domain))", method="inferred"
            ),
            "déduit : hp compte comme ECTS dans le pays du prestataire, Suède "
            "(du domaine national de l'adresse web de la formation ; lu dans la description)",
        ),
        ("en", Provenance(source_path="DEQAR DEQARINST0042", method="enriched"), "(DEQARINST0042)"),
        ("en", Provenance(source_path="ects_credits", method="declared"), None),
    ],
)
def test_marks_in_the_pages_language(app: Flask, lang: str, mark: Provenance, expected: str | None) -> None:
    with app.test_request_context("/"), force_locale(lang):
        text = describe(mark)
    assert text == expected if expected is None or not expected.startswith("(") else expected in (text or "")


def test_the_offering_page_gives_the_basis_in_german(client: FlaskClient) -> None:
    html = client.get(f"/offerings/{rid('nl-1')}?lang=de").get_data(as_text=True)
    assert "aus der Beschreibung gelesen" in html
    assert "der Anbieter gilt als verleihende Stelle" in html


def test_the_supplement_states_supervision_and_identity_verification(app: Flask) -> None:
    """Annex I O2 is in the record (ELM idVerification, XCRI assessment text): the supplement shows it."""
    from search_ui.supplement import annex_rows
    from tests.factories import full_offering

    offering = full_offering()
    assert offering.supervision_id_verification
    with app.test_request_context("/"), force_locale("de"):
        row = next(r for r in annex_rows(offering) if r.code == "O2")
    assert row.values == ["Ohne Aufsicht, ohne Identitätsprüfung"]
