"""microcred's shared kernel: the record, its vocabularies, the crosswalks, quality, export, the store.

::

    model/       the normalised record (Offering and its parts)
    vocab/       controlled vocabularies: codes, EU concept URIs, ISCED-F, ESCO
    text/        parsers for values in free text, safe XML
    crosswalks/  one module per input format: a source record -> Offering; catalogue files split
    quality/     validation rules, completeness score, QA inferred from DEQAR
    export/      ELM JSON-LD / LOQ XML and schema.org JSON-LD out
    store/       the system of record (SQLAlchemy): the only I/O in the kernel
    errors.py    the one exception tree

Everything but ``store`` is pure (no network, no database; reference tables are read from files
shipped with the package). Imports point down the list above's dependency order: ``model`` and
``vocab`` import no other sub-package but each other, ``crosswalks`` and ``quality`` build on
them, ``store`` may use all of them. Nothing here imports the other microcred packages.
See ``docs/architecture.md``.
"""

from offerings.errors import CatalogueError, CrosswalkError, HarvestError, NotFound, SearchError
from offerings.model import Offering, Organisation

__all__ = ["CatalogueError", "CrosswalkError", "HarvestError", "NotFound", "Offering", "Organisation", "SearchError"]
