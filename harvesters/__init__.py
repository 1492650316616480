"""Harvesters: pull registered sources into the store (OAI-PMH now; web and feed kinds plug in here).

``HARVESTERS`` maps a source kind to its harvester class; :func:`harvest_source` runs one source
and records the run; :mod:`harvesters.scheduler` runs due sources on a timer; :mod:`harvesters.probe`
tells what a URL is before it is registered.
"""

from __future__ import annotations

from harvesters.base import Harvester, HarvestReport
from harvesters.runner import HARVESTERS, harvest_source

__all__ = ["HARVESTERS", "HarvestReport", "Harvester", "harvest_source"]
