"""The store's API keys: issued to aggregators by an operator, each with its own rate limit.

:class:`KeyRing` is a part of :class:`~offerings.store.Store`, reached as ``store.keys``. A token is shown
once, when it is issued; the store keeps only its SHA-256, so a stolen database gives no usable key.
Revoking a key keeps its row (and name) with the time it was revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from offerings.errors import NotFound, StoreError
from offerings.store.sources import utcnow
from offerings.store.tables import api_keys

__all__ = ["ApiKey", "KeyRing", "token_hash"]

TOKEN_PREFIX = "mck_"


def token_hash(token: str) -> str:
    """The SHA-256 of ``token``, hex: what the store keeps and looks a token up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(slots=True, frozen=True, kw_only=True)
class ApiKey:
    """An issued key, without its token."""

    id: int
    name: str
    rate_limit: str | None  # None: requests with the key are not limited
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the key is still honoured."""
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for ``microcred keys list --json``."""
        return {
            "id": self.id,
            "name": self.name,
            "rate_limit": self.rate_limit,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


class KeyRing:
    """API keys, in the database of the :class:`~offerings.store.Store` holding it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, *, rate_limit: str | None = None) -> tuple[ApiKey, str]:
        """Issue a key named ``name``; returns it and its token (the only time the token is known).

        Raises:
            StoreError: the name is empty.
        """
        if not name.strip():
            raise StoreError("an API key needs a name")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            inserted = conn.execute(
                api_keys.insert().values(
                    name=name.strip(), token_hash=token_hash(token), rate_limit=rate_limit or None, created_at=utcnow()
                )
            ).inserted_primary_key
            if inserted is None:
                raise StoreError("the store gave the new API key no id")
            key_id = inserted[0]
        return self.get(int(key_id)), token

    def get(self, key_id: int) -> ApiKey:
        """The key ``key_id``, revoked or not.

        Raises:
            NotFound: there is no such key.
        """
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise NotFound(f"no API key {key_id}")
        return _key(row)

    def all(self) -> list[ApiKey]:
        """Every key ever issued, oldest first."""
        with self.engine.connect() as conn:
            return [_key(row) for row in conn.execute(select(api_keys).order_by(api_keys.c.id))]

    def revoke(self, key_id: int) -> ApiKey:
        """Stop honouring key ``key_id`` (revoking twice keeps the first time).

        Raises:
            NotFound: there is no such key.
        """
        with self.engine.begin() as conn:
            conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return self.get(key_id)

    def find(self, token: str) -> ApiKey | None:
        """The active key whose token is ``token``; None when it is unknown or revoked."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_keys).where(api_keys.c.token_hash == token_hash(token), api_keys.c.revoked_at.is_(None))
            ).first()
        return _key(row) if row is not None else None


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id, name=row.name, rate_limit=row.rate_limit, created_at=row.created_at, revoked_at=row.revoked_at
    )
