"""Safe XML parsing for documents from strangers: no entities, no network, no DTD, DOCTYPE refused.

Pure functions over bytes; the byte cap is the caller's (harvesters enforce it while streaming).
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["XmlError", "parse", "parse_clean", "strip_invalid_chars"]

# XML 1.0 forbids C0 controls other than tab, LF and CR, and U+FFFE/U+FFFF; as raw bytes or as refs.
_INVALID_RAW = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_INVALID_REF = re.compile(
    rb"&#(?:x0*(?:[0-8bcef]|1[0-9a-f]|fff[ef])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));", re.I
)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)


class XmlError(ValueError):
    """The document is not well-formed XML, or carries a DOCTYPE."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_blank_text=True
    )


def strip_invalid_chars(data: bytes) -> tuple[bytes, int]:
    """Remove characters XML 1.0 forbids (raw and as numeric references); return (clean, how many)."""
    cleaned, raw = _INVALID_RAW.subn(b"", data)
    cleaned, refs = _INVALID_REF.subn(b"", cleaned)
    return cleaned, raw + refs


def parse(data: bytes) -> etree._Element:
    """Parse ``data`` strictly (the OAI client relies on a failure to count the characters it strips).

    Raises:
        XmlError: not well-formed, or a DOCTYPE is present (no feed format needs one).
    """
    if _DOCTYPE.search(data):
        raise XmlError("document has a DOCTYPE, refused")
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(str(exc)) from exc


def parse_clean(data: bytes) -> etree._Element:
    """Parse ``data`` once the characters XML 1.0 forbids are removed: how every crosswalk and catalogue
    file reads XML. NUL and other C0 controls come pasted from word processors, and one of them would
    refuse the whole record for a character no reader sees (issue 14).

    Raises:
        XmlError: not well-formed for another reason, or a DOCTYPE is present.
    """
    cleaned, _ = strip_invalid_chars(data)
    return parse(cleaned)
