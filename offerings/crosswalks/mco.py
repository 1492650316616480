"""microcred's native OAI-PMH format (``mco``) → Offering: another microcred catalogue's normalised record.

The record travels as its JSON form (:meth:`~offerings.model.Offering.to_dict`) inside one ``mco:record``
element (namespace :data:`NS`, schema ``search_ui/oai/mco.xsd``), so a mirror harvested in this format
holds the same offering as the catalogue it came from; only the identity (record id, source, original
identifier, harvest datestamp) and the cluster are the mirror's own.
"""

from __future__ import annotations

import json
from typing import Any

from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import base_offering, xml_payload
from offerings.errors import CrosswalkError
from offerings.model import Offering

__all__ = ["IDENTITY", "NS", "to_offering"]

NS = "https://microcred.eu/ns/mco/1.0/"
# The members a mirror sets itself: everything else is taken as the catalogue states it.
IDENTITY = ("record_id", "source_id", "original_identifier", "harvest_datestamp", "deleted", "cluster_id")


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """The offering an ``mco:record`` carries, under the harvesting source's identity.

    Raises:
        CrosswalkError: the payload is not an ``mco:record`` holding a JSON object.
    """
    base = base_offering(record, context, "mco")
    if record.deleted:
        return base
    root = xml_payload(record, what="mco record is not")
    if root.tag != f"{{{NS}}}record":
        raise CrosswalkError(f"not an mco:record but {root.tag}", field="metadata")
    try:
        data: Any = json.loads(root.text or "")
    except ValueError as exc:
        raise CrosswalkError(f"mco:record does not hold JSON: {exc}", field="metadata") from exc
    if not isinstance(data, dict):
        raise CrosswalkError("mco:record does not hold a JSON object", field="metadata")
    identity = {name: getattr(base, name) for name in IDENTITY}
    return Offering.from_dict({**data, **identity})
