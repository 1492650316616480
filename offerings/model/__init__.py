"""The normalised record: the :class:`Offering` and the parts it is built from, in Annex I / ELM terms.

``offering`` holds the record itself and the record id; ``parts`` the organisations, outcomes,
prices, instances, places, QA and provenance an offering is made of. Frozen dataclasses with no
behaviour beyond shaping data. Pure: imports only :mod:`offerings.vocab` and the standard library.
See ``docs/architecture.md`` ("The record").
"""

from offerings.model.offering import (
    Concept,
    Contact,
    Grant,
    Identifier,
    Instance,
    LangMap,
    LearningOutcome,
    Offering,
    Organisation,
    OtherCredit,
    PartOf,
    Place,
    Price,
    Provenance,
    QualityAssurance,
    make_record_id,
    pick_text,
    with_cluster,
)

__all__ = [
    "Concept",
    "Contact",
    "Grant",
    "Identifier",
    "Instance",
    "LangMap",
    "LearningOutcome",
    "Offering",
    "Organisation",
    "OtherCredit",
    "PartOf",
    "Place",
    "Price",
    "Provenance",
    "QualityAssurance",
    "make_record_id",
    "pick_text",
    "with_cluster",
]
