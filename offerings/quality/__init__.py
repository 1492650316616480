"""How good a normalised record is: validation rules, the completeness score, QA from DEQAR.

``validation`` runs the rules (errors reject a record, warnings travel with it); ``completeness``
scores the Annex I elements a record carries (:func:`assess`, re-exported here); ``deqar`` infers
quality assurance from a pinned DEQAR snapshot; ``shacl`` checks ELM records against the Commission's
LOQ SHACL shapes (package data in ``shapes/``, parsed once). Pure over an :class:`~offerings.model.Offering`
(``deqar`` reads its snapshot file once); may import :mod:`offerings.model`, :mod:`offerings.vocab`,
:mod:`offerings.text` and :mod:`offerings.errors`. A source's quality report reads the store, so it
lives in :mod:`offerings.store.report`.
"""

from offerings.quality.completeness import (
    CORE_ELEMENTS,
    DISCOVERY_FIELDS,
    OPTIONAL_ELEMENTS,
    Quality,
    assess,
    record_status,
    warnings,
)

__all__ = [
    "CORE_ELEMENTS",
    "DISCOVERY_FIELDS",
    "OPTIONAL_ELEMENTS",
    "Quality",
    "assess",
    "record_status",
    "warnings",
]
