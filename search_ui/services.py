"""The store, the search engine and the settings the app was built with, reachable from any view."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from config import Settings
    from indexer.base import SearchEngine
    from offerings.store import Store

__all__ = ["EXTENSION", "Services", "engine", "services", "store"]

logger = logging.getLogger(__name__)

EXTENSION = "microcred"


@dataclass(frozen=True, slots=True)
class Services:
    """What ``create_app`` wires in; kept in ``app.extensions["microcred"]`` (flask's extension pattern)."""

    settings: Settings
    store: Store
    engine: SearchEngine


def services() -> Services:
    """The services of the current app."""
    found: Services = current_app.extensions[EXTENSION]
    return found


def store() -> Store:
    """The store of the current app."""
    return services().store


def engine() -> SearchEngine:
    """The search engine of the current app."""
    return services().engine
