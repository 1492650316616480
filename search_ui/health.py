"""``GET /healthz``: liveness plus store and engine reachability, for load balancers and operators.

The store is the system of record, so without it we are down (503). Without the engine, search
fails but records, the change feed and the export still work, so we are only "degraded" (200).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from offerings.errors import CatalogueError
from search_ui import services

__all__ = ["bp"]

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


def _store_status() -> tuple[dict[str, Any], int | None, int | None]:
    """Store status, live offering count and newest sequence (both None when unreachable)."""
    store = services.store()
    try:
        count, max_seq = store.count(), store.max_seq()
    except Exception as exc:  # any driver error means "unreachable" here
        logger.warning("store unreachable: %s", exc)
        return {"status": "unavailable", "error": type(exc).__name__}, None, None
    return {"status": "ok", "backend": store.engine.dialect.name}, count, max_seq


def _engine_status() -> tuple[dict[str, Any], int | None]:
    """Engine health and its last applied sequence (None when unreachable)."""
    engine = services.engine()
    try:
        health = dict(engine.health())
        last_seq = engine.last_seq()
    except (CatalogueError, OSError) as exc:
        logger.warning("search engine unreachable: %s", exc)
        return {"status": "unavailable", "name": getattr(engine, "name", None), "error": str(exc)}, None
    health.setdefault("status", "ok" if health.get("ok", True) else "degraded")
    return health, last_seq


@bp.get("/healthz")
def healthz() -> Response:
    """``{"status", "store", "engine", "offerings", "index_lag"}``; 503 when the store is unreachable."""
    store_status, count, max_seq = _store_status()
    engine_status, last_seq = _engine_status()
    lag = max_seq - last_seq if max_seq is not None and last_seq is not None else None
    healthy = store_status["status"] == "ok" and engine_status.get("status") == "ok"
    response = jsonify(
        {
            "status": "ok" if healthy else "degraded",
            "store": store_status,
            "engine": engine_status,
            "offerings": count,
            "index_lag": lag,
        }
    )
    response.status_code = 200 if count is not None else 503
    # A health answer is only true now.
    response.headers["Cache-Control"] = "no-store"
    return response
