"""microcred's shared kernel: the Offering model, vocabularies, crosswalks, the store and the errors.

``model``, ``vocab``, ``vocabularies``, ``isced``, ``parsing`` (and its ``parsing_*`` parts),
``validation``, ``quality``, ``xml``, ``documents``, ``export_elm`` and ``crosswalks`` do no I/O (the
sans-I/O rule); ``store``, with ``store_clusters`` and ``quality_report``, is the only part here that
touches a database. Nothing here imports the other microcred packages.
"""

from offerings.errors import CatalogueError, CrosswalkError, HarvestError, NotFound, SearchError
from offerings.model import Offering, Organisation

__all__ = ["CatalogueError", "CrosswalkError", "HarvestError", "NotFound", "Offering", "Organisation", "SearchError"]
