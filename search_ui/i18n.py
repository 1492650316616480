"""The UI's languages: English, German and French, with Flask-Babel.

The language is, in order: the ``lang`` URL parameter (a language switch link; remembered in a
cookie), the ``lang`` cookie, the browser's ``Accept-Language``, English. Message catalogues live in
``search_ui/translations/<lang>/LC_MESSAGES/messages.po``; the build compiles them (``make`` runs
``pybabel compile``). Names of countries and languages come from pycountry's own translations of the
ISO lists (gettext domains ``iso3166-1`` and ``iso639-3``), not from tables of ours.
"""

from __future__ import annotations

import gettext
import logging
from functools import lru_cache
from urllib.parse import urlencode

import pycountry
from flask import Flask, Response, request
from flask_babel import Babel, get_locale

from offerings import vocab

__all__ = [
    "COOKIE",
    "LANGUAGES",
    "country_name",
    "current_language",
    "html_lang",
    "init_app",
    "language_name",
    "switch_url",
]

logger = logging.getLogger(__name__)

# Babel locale → the name of the language in itself (what a language switch shows). British English.
LANGUAGES: dict[str, str] = {"en_GB": "English", "de": "Deutsch", "fr": "Français"}
COOKIE = "lang"
COOKIE_AGE = 365 * 86400
_BY_CODE = {code.split("_")[0]: code for code in LANGUAGES}


def _chosen(value: str | None) -> str | None:
    if not value:
        return None
    return _BY_CODE.get(value.strip().lower().replace("-", "_").split("_")[0])


def select_locale() -> str:
    """The locale of this request (see the module docstring for the order)."""
    chosen = _chosen(request.args.get("lang")) or _chosen(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match([*_BY_CODE, *(c.replace("_", "-") for c in LANGUAGES)])
    return _chosen(best) or "en_GB"


def current_language() -> str:
    """The two-letter code of the UI language (``en``, ``de``, ``fr``)."""
    return str(get_locale() or "en").split("_")[0]


@lru_cache(maxsize=8)
def _iso(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_name(code: str) -> str:
    """The name of an ISO 3166-1 country code in the UI language (pycountry's iso3166-1 catalogue)."""
    english = vocab.country_label(code)
    return _iso("iso3166-1", current_language()).gettext(english) if english != code else code


def language_name(code: str) -> str:
    """The name of an ISO 639-1 language code in the UI language (pycountry's iso639-3 catalogue)."""
    record = pycountry.languages.get(alpha_2=code)
    if record is None:
        return code
    return _iso("iso639-3", current_language()).gettext(record.name)


def html_lang() -> str:
    """The UI language as an HTML ``lang`` value (``en-GB``, ``de``, ``fr``)."""
    return str(get_locale() or "en_GB").replace("_", "-")


def switch_url(locale: str) -> str:
    """The current page in ``locale``: the same path and parameters, ``lang`` set."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*pairs, ("lang", locale.split("_")[0])])


def _remember(response: Response) -> Response:
    if response.mimetype == "text/html":
        # The page's language follows these two headers: shared caches must keep one copy per language.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    # A switch by link is remembered, so the next page (without ?lang=) stays in that language.
    chosen = _chosen(request.args.get("lang"))
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_AGE, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    """Set up Flask-Babel, the language cookie and the template globals of the language switch."""
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
    app.after_request(_remember)
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, switch_url=switch_url, current_language=current_language, html_lang=html_lang
    )
