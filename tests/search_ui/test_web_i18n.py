"""The UI in English, German and French: catalogues complete, language chosen and switched, locale formats."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from jinja2 import Environment

import search_ui
from search_ui import create_app
from tests.search_ui.conftest import Catalogue, rid

TRANSLATIONS = Path(search_ui.__file__).parent / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
}
TEMPLATES = Path(search_ui.__file__).parent / "templates"
# Words a template may show untranslated: names, acronyms and formats, the same in every language.
UNTRANSLATED_WORDS = {"microcred", "JSON", "JSON-LD", "schema", "org", "ECTS", "EQF", "API", "OAI-PMH"}


def get(client: FlaskClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def _source_messages() -> set[str]:
    root = Path(search_ui.__file__).parent
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(root, method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_catalogue_translates_every_message_of_the_ui(lang: str) -> None:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    assert not catalogue.fuzzy, f"the {lang} catalogue is marked fuzzy as a whole: pybabel compile would skip it"
    entries = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalogue if m.id}
    missing = sorted(_source_messages() - set(entries))
    assert not missing, f"not in the {lang} catalogue (run scripts/update-translations): {missing}"
    untranslated = [i for i, m in entries.items() if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not untranslated, f"untranslated in {lang}: {untranslated}"
    fuzzy = [i for i, m in entries.items() if m.fuzzy]
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy}"
    # Placeholders survive translation: a lost %(name)s would drop a value from the page.
    for msgid, message in entries.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == set(re.findall(r"%\(\w+\)[sd]", msgid)), (lang, msgid)


def test_catalogues_compile_cleanly(tmp_path: Path) -> None:
    for lang in ("de", "fr"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "compile",
                "-i",
                str(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"),
                "-o",
                str(tmp_path / f"{lang}.mo"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert (tmp_path / f"{lang}.mo").stat().st_size > 1000


def test_accept_language_chooses_the_language(client: FlaskClient) -> None:
    html = get(client, "/search?country=NL", **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in html
    assert "7 Angebote" in html and "Eingrenzen" in html and "Zum Inhalt springen" in html
    assert "Niederlande" in html  # pycountry's iso3166-1 German name
    html = get(client, "/search?country=NL", **{"Accept-Language": "fr"})
    assert '<html lang="fr">' in html and "7 offres" in html and "Pays-Bas" in html
    html = get(client, "/search?country=NL", **{"Accept-Language": "pl,ja"})
    assert '<html lang="en-GB">' in html and "7 offerings" in html


def test_language_switch_is_kept_in_a_cookie(client: FlaskClient) -> None:
    html = get(client, "/search?country=NL")
    assert 'href="/search?country=NL&amp;lang=fr" lang="fr"' in html
    response = client.get("/search?country=NL&lang=fr", headers={"Accept-Language": "de"})
    assert response.status_code == 200 and "7 offres" in response.get_data(as_text=True)
    assert "lang=fr" in response.headers["Set-Cookie"]
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    # The next page, without the parameter, stays French although the browser asks for German.
    html = get(client, "/compare", **{"Accept-Language": "de"})
    assert '<html lang="fr">' in html and "Rien à comparer" in html


def test_offering_page_in_german_with_locale_formats(client: FlaskClient) -> None:
    html = get(client, f"/offerings/{rid('nl-6')}?lang=de")
    assert "Beschreibung nach Anhang I" in html and "Lernergebnisse" in html and "Arbeitsaufwand" in html
    assert "10 ECTS-Punkte" in html and "EQR-Niveau 7" in html
    assert "10. Januar 2031" in html  # Babel's long German date
    assert "1.200,00\xa0€" in html  # Babel's German currency format
    assert "Englisch" in html  # pycountry's iso639-3 German name


def test_compare_and_provider_pages_in_french(client: FlaskClient) -> None:
    html = get(client, f"/compare?ids={rid('nl-3')},{rid('de-1')}&lang=fr")
    assert "2 offres comparées" in html and "Langues d’enseignement" in html
    assert "2,5 ECTS" in html and "néerlandais" in html.lower()
    assert "1 septembre 2020" in html or "1er septembre 2020" in html
    html = get(client, "/search?lang=fr")
    provider = re.search(r'href="(/providers/[^"]+)"', html)
    assert provider
    html = get(client, provider.group(1) + "?lang=fr")
    assert "Identifiants" in html and "Offres dans le catalogue" in html


def test_the_api_stays_english(client: FlaskClient) -> None:
    response = client.get("/api/v1/offerings?country=NL", headers={"Accept-Language": "de"})
    labels = {v["label"] for v in response.get_json()["facets"]["country"]}
    assert "Netherlands" in labels and "Niederlande" not in labels


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_compiled_catalogue_is_current(lang: str) -> None:
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, "run `make translations` (make test does)"


def test_sources_page_in_german(client: FlaskClient) -> None:
    html = get(client, "/sources?lang=de")
    assert "<h1>Quellen</h1>" in html and "Letzte Abfrage" in html and "Niederlande" in html


def _template_text(path: Path) -> str:
    """The template's own text outside gettext: its literal data (not inside ``{% trans %}``), tags removed."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    parts, in_trans, previous = [], False, None
    for _line, kind, value in env.lex(path.read_text(encoding="utf-8")):
        if kind == "name" and previous == "block_begin":
            in_trans = value == "trans" or (in_trans and value != "endtrans")
        if kind != "whitespace":
            previous = kind
        # An expression or tag becomes one character, so an HTML tag holding {{ ... }} still strips as one.
        parts.append(value if kind == "data" and not in_trans else "\x00")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", "".join(parts), flags=re.S)
    return re.sub(r"&\w+;", " ", re.sub(r"<[^>]*>", " ", text))


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_hold_no_unwrapped_text(template: str) -> None:
    # What the catalogue test cannot see: text written straight into a template, outside _() and {% trans %}.
    # (Literal strings inside expressions, e.g. {{ x or 'none' }}, are not caught here.)
    words = set(re.findall(r"[A-Za-z][A-Za-z'’-]+", _template_text(TEMPLATES / template)))
    assert not words - UNTRANSLATED_WORDS, f"{template}: wrap in _() or {{% trans %}}: {sorted(words)}"


@pytest.fixture
def hei_client(catalogue: Catalogue) -> Iterator[FlaskClient]:
    """The real app over the shared catalogue, with the operator console switched on."""
    settings = replace(catalogue.settings, admin_token="tok")
    yield create_app(settings, store=catalogue.store, engine=catalogue.engine).test_client()


HEI_PAGES = {
    "de": {
        "/register": ("<h1>Den Feed Ihrer Hochschule registrieren</h1>", "Feed-URL", "Meinen Feed prüfen"),
        "/admin": ("<h1>Betreiberkonsole</h1>", "Admin-Token", "Anmelden"),
        "report": ("<h1>Problem mit „", "Was stimmt nicht?", "Die Angaben sind falsch", "Meldung senden"),
        "/sources/nl-uni": ("Abfrageverlauf", "Qualität ihrer Datensätze", "erfolgreich", "fehlgeschlagen", "OAI-PMH"),
    },
    "fr": {
        "/register": ("<h1>Enregistrer le flux de votre établissement</h1>", "URL du flux", "Vérifier mon flux"),
        "/admin": ("<h1>Console de l’opérateur</h1>", "Jeton d’administration", "Se connecter"),
        "report": ("<h1>Signaler un problème sur « ", "Qu’est-ce qui ne va pas ?", "Envoyer le signalement"),
        "/sources/nl-uni": (
            "Historique des moissonnages",
            "Qualité de ses fiches",
            "réussi",
            "échec",
            "moyenne de 77,1",
        ),
    },
}
ENGLISH = {
    "/register": ("Register your institution's feed", "Feed URL", "Check my feed", "detect it for me"),
    "/admin": ("Operator console", "Admin token", "Sign in<"),
    "report": ("Report a problem with", "What is wrong?", "The details are wrong", "Send the report"),
    "/sources/nl-uni": ("Harvest history", "Quality of its records", ">success<", ">failed<", "Annex I elements"),
}


@pytest.mark.parametrize("lang", ["de", "fr"])
@pytest.mark.parametrize("page", ["/register", "/admin", "report", "/sources/nl-uni"])
def test_hei_pages_are_translated(hei_client: FlaskClient, lang: str, page: str) -> None:
    url = f"/offerings/{rid('nl-6')}/report" if page == "report" else page
    html = get(hei_client, f"{url}?lang={lang}")
    assert f'<html lang="{lang}">' in html
    for text in HEI_PAGES[lang][page]:
        assert text in html, (lang, page, text)
    for text in ENGLISH[page]:
        assert text not in html, (lang, page, text)


def test_console_notices_are_translated_and_come_from_the_action(hei_client: FlaskClient) -> None:
    form = get(hei_client, "/admin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    signed = hei_client.post("/admin/login", data={"csrf_token": token.group(1), "token": "tok"})
    assert signed.status_code == 303
    html = get(hei_client, "/admin?done=approve&source=nl-uni&lang=de")
    assert "nl-uni ist aktiv" in html and "<h2>Wartet auf Freigabe</h2>" in html
    html = get(hei_client, "/admin?done=resolve&report=7&lang=fr")
    assert "Le signalement 7 est résolu." in html
    # The redirect names an action; words put in the URL are not shown.
    html = get(hei_client, "/admin?done=Pay+now+at+evil.example&lang=de")
    assert 'role="status"' not in html and "Pay now" not in html
