"""The store: the system of record, and the only part of the kernel that does I/O (SQLAlchemy 2).

``records`` is the :class:`Store` (offerings, tombstones, the change sequence); ``sources`` the
registered feeds, their leases and harvest runs; ``keys`` the
API keys issued to aggregators; ``clusters`` the match keys that join one
offering reached through several sources; ``landing`` the landing-page checks; ``report`` a
source's quality report; ``tables`` the schema as SQLAlchemy Core, created by the Alembic
``migrations``. May import anything in :mod:`offerings`; nothing outside it. See
``docs/architecture.md`` ("The store").
"""

from offerings.store.keys import ApiKey
from offerings.store.records import (
    IndexChange,
    RunCounts,
    Source,
    Store,
    StoredRecord,
    utcnow,
)

__all__ = [
    "ApiKey",
    "IndexChange",
    "RunCounts",
    "Source",
    "StoredRecord",
    "Store",
    "utcnow",
]
