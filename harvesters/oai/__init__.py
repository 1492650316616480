"""OAI-PMH sources (kind ``oai``): the hardened sickle client and the incremental harvester.

``client`` fetches and strictly parses one page at a time through the SSRF-guarded HTTP client;
``harvester`` is :class:`OaiHarvester` (Identify, windows, checkpoints, deletes). May import
:mod:`harvesters.base`, :mod:`harvesters.http`, :mod:`offerings` and :mod:`config`.
"""

from harvesters.oai.harvester import (
    OaiClient,
    OaiError,
    OaiHarvester,
    OaiPage,
    apply_held_deletions,
)

__all__ = [
    "OaiClient",
    "OaiError",
    "OaiHarvester",
    "OaiPage",
    "apply_held_deletions",
]
