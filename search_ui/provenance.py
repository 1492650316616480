"""How the catalogue came by a value, in words a learner reads on the credit supplement (issue 14).

A crosswalk marks every value it did not read from a structured field (``field_provenance``): *parsed*
from a text element, *inferred* on evidence the record does not state (the source's registered country,
the provider's registry entry, a country-code domain, the record's language for a national credit unit),
*enriched* from a register. :func:`describe` turns one mark into a sentence with its basis ("inferred
from the provider's registry entry (Erasmus code)", "read from the description"), in the page's language.
Paths the crosswalks write are listed here; an unknown one is shown as it is, so nothing goes unsaid.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from offerings.model import Provenance
from search_ui.labels import PROVENANCE, code_label

__all__ = ["describe"]

logger = logging.getLogger(__name__)

# The element a value was read from (the source_path the crosswalks write), as a noun phrase.
ELEMENTS: dict[str, Any] = {
    "dc:description": _l("the description"),
    "description": _l("the description"),
    "dc:type": _l("the record's type element"),
    "dc:subject": _l("the keywords"),
    "dc:relation": _l("the related links"),
    "dc:format": _l("the format element"),
    "dc:coverage": _l("the coverage element"),
    "numberOfCredits": _l("the credits text"),
    "educationalLevel": _l("the level text"),
    "educationalCredentialAwarded": _l("the credential awarded"),
    "hasCourseInstance.courseWorkload": _l("the workload text"),
    "hasCourseInstance.courseMode": _l("the course mode text"),
    "hasCourseInstance.location": _l("the place of a run"),
    "mlo:assessment": _l("the assessment text"),
    "mlo:qualification": _l("the qualification"),
    "mlo:qualification/dcterms:educationLevel": _l("the qualification's level text"),
    "presentation/mlo:cost": _l("the cost text"),
    "timeRequired": _l("the time required"),
}
# The evidence a value was inferred on (the basis the crosswalks write), as a phrase after "inferred".
BASES: dict[str, Any] = {
    "source.country": _l("from the country the source is registered with"),
    "source.name": _l("from the name the source is registered with"),
    "provider.ids.erasmus_code": _l("from the provider's registry entry (Erasmus code)"),
    "provider.ids.schac": _l("from the provider's registry entry (SCHAC code)"),
    "record_url (country-code domain)": _l("from the country-code domain of the course's web address"),
    "awarding_body.country": _l("from the awarding body's country"),
    "provider.address.addressCountry": _l("from the provider's address"),
    "provider": _l("the provider is taken to award it"),
    "dc:publisher": _l("the publisher is taken to award it"),
    "converted_from_hours": _l("converted from the stated hours (one ECTS credit is 25 to 30 hours)"),
}
_UNITS = {"ec": "EC", "lp": "LP", "cp": "CP", "cfu": "CFU", "ects": "ECTS"}
# "<element>: <unit> is ECTS in every EHEA country writing <language>" and "… in <country> (<basis>)",
# the marks of offerings.crosswalks.mining for a national credit unit taken as ECTS.
_BY_LANGUAGE = re.compile(r"^(?P<where>.+?): (?P<unit>[\w-]+) is ECTS in every EHEA country writing (?P<lang>\w+)$")
_BY_COUNTRY = re.compile(r"^(?P<where>.+?): (?P<unit>[\w-]+) is ECTS in (?P<country>[A-Z]{2}) \((?P<basis>.+)\)$")


def _element(path: str) -> str:
    return str(ELEMENTS[path]) if path in ELEMENTS else path


def _basis(path: str) -> str:
    return str(BASES[path]) if path in BASES else _("from %(path)s", path=path)


def describe(mark: Provenance) -> str | None:
    """``mark`` as a sentence ("read from the description"); None for a declared value."""
    path = (mark.source_path or "").strip()
    if mark.method == "parsed":
        return _("read from %(element)s", element=_element(path)) if path else str(PROVENANCE["parsed"])
    if mark.method == "enriched":
        if path.startswith("DEQAR "):
            return _("added from the DEQAR register of quality-assured institutions (%(id)s)", id=path[6:])
        return _("%(how)s (from %(path)s)", how=PROVENANCE["enriched"], path=path) if path else None
    if mark.method != "inferred":
        return None
    if found := _BY_LANGUAGE.match(path):
        return _(
            "inferred: %(unit)s counts as ECTS in every EHEA country writing %(language)s (read from %(element)s)",
            unit=_UNITS.get(found["unit"], found["unit"]),
            language=code_label("language", found["lang"]),
            element=_element(found["where"]),
        )
    if found := _BY_COUNTRY.match(path):
        return _(
            "inferred: %(unit)s counts as ECTS in %(country)s, the provider's country %(basis)s "
            "(read from %(element)s)",
            unit=_UNITS.get(found["unit"], found["unit"]),
            country=code_label("country", found["country"]),
            basis=_basis(found["basis"]),
            element=_element(found["where"]),
        )
    if path in ("provider", "dc:publisher", "converted_from_hours"):
        return str(BASES[path])
    return _("inferred %(basis)s", basis=_basis(path)) if path else str(PROVENANCE["inferred"])
