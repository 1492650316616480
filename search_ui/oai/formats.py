"""What the OAI-PMH provider disseminates: ``oai_dc`` and the native ``mco`` record, and the sets (one per
provider, one per country) a record belongs to."""

from __future__ import annotations

import re
from importlib import resources

from lxml import etree

from offerings.crosswalks.mco import NS as MCO_NS
from offerings.model import Offering, pick_text
from offerings.store.sets import provider_spec, set_specs

__all__ = ["FORMATS", "MetadataFormat", "metadata", "provider_spec", "set_specs"]

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class MetadataFormat:
    """One metadata format: its prefix, schema URL (relative ones are resolved against the provider) and
    namespace."""

    def __init__(self, prefix: str, schema: str, namespace: str) -> None:
        self.prefix = prefix
        self.schema = schema
        self.namespace = namespace


FORMATS = {
    "oai_dc": MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    # The schema is served by the provider itself, at /oai/mco.xsd.
    "mco": MetadataFormat("mco", "mco.xsd", MCO_NS),
}


def mco_schema() -> bytes:
    """The XML schema of the native format."""
    return resources.files("search_ui.oai").joinpath("mco.xsd").read_bytes()


def metadata(offering: Offering, prefix: str, page_url: str) -> etree._Element:
    """The ``<metadata>`` content of ``offering`` in format ``prefix`` (a key of :data:`FORMATS`)."""
    if prefix == "mco":
        return _mco(offering)
    return _oai_dc(offering, page_url)


def _mco(offering: Offering) -> etree._Element:
    root = etree.Element(f"{{{MCO_NS}}}record", nsmap={"mco": MCO_NS, "xsi": XSI})
    root.text = offering.to_json().decode()
    return root


def _oai_dc(o: Offering, page_url: str) -> etree._Element:
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def add(name: str, value: object, lang: str | None = None) -> None:
        text = _clean(str(value))
        if text:
            element = etree.SubElement(root, f"{{{DC_NS}}}{name}")
            element.text = text
            if lang and lang != "und":
                element.set(XML_LANG, lang)

    for lang, title in o.title.items():
        add("title", title, lang)
    for organisation in o.provider:
        add("publisher", pick_text(organisation.name))
    for lang, text in o.description.items():
        add("description", text, lang)
    for subject in o.subjects:
        add("subject", subject)
    for code in o.isced_f:
        add("subject", f"ISCED-F {code}")
    if o.start_date:
        add("date", o.start_date.isoformat())
    add("type", "Course")
    if o.ects_credits is not None:
        add("format", f"{o.ects_credits:g} ECTS")
    if o.eqf_level is not None:
        add("coverage", f"EQF level {o.eqf_level}")
    add("identifier", page_url)
    if o.record_url:
        add("identifier", o.record_url)
    for code in o.languages_of_instruction:
        add("language", code)
    for country in o.countries:
        add("coverage", country)
    if o.record_license:
        add("rights", o.record_license)
    return root


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; a record's text may hold them.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text).strip()
