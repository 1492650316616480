"""The OAI-PMH 2.0 response schema with the schemas of both formats we serve, loaded offline.

``tests/data/reference/oai-pmh`` holds copies of the published schemas (see tests/data/reference/README.md);
simpledc's absolute import of the W3C ``xml.xsd`` is resolved to the local copy, the files are not edited.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from tests.conftest import DATA

REFERENCE = DATA / "reference" / "oai-pmh"
MCO_XSD = Path(__file__).resolve().parents[2] / "search_ui" / "oai" / "mco.xsd"


class _Local(etree.Resolver):
    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        if url == "http://www.w3.org/2001/03/xml.xsd":
            return self.resolve_filename(str(REFERENCE / "xml.xsd"), context)
        return None


@cache
def schema() -> etree.XMLSchema:
    """OAI-PMH.xsd, oai_dc.xsd and mco.xsd in one schema set (OAI-PMH.xsd checks ``<metadata>`` strictly)."""
    imports = {
        "http://www.openarchives.org/OAI/2.0/": REFERENCE / "OAI-PMH.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/": REFERENCE / "oai_dc.xsd",
        "https://microcred.eu/ns/mco/1.0/": MCO_XSD,
    }
    driver = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        + "".join(f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>' for ns, path in imports.items())
        + "</xs:schema>"
    )
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser, base_url=str(REFERENCE) + "/"))


def assert_valid(body: bytes) -> etree._Element:
    """Parse an OAI-PMH response and check it against the schema set; returns its root."""
    root = etree.fromstring(body)
    checker = schema()
    assert checker.validate(root), checker.error_log
    return root
