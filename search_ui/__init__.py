"""The web app: JSON API, HTML UI and ``/healthz`` over the store and the search engine.

Run it with ``microcred serve``, ``flask --app search_ui run`` or gunicorn ``"search_ui:create_app()"``.
The app is stateless: everything it knows is in the store and the engine handed to
:func:`create_app`, so any number of workers can serve the same catalogue.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import Flask, Response, request

from config import Settings, load_settings
from config.logs import configure_logging
from search_ui import (
    admin,
    api,
    compare,
    csrf,
    health,
    home,
    http,
    i18n,
    labels,
    limits,
    metrics,
    oai,
    openapi,
    ownership,
    problem_reports,
    problems,
    providers,
    registration,
    subscribe,
    views,
)
from search_ui.problems import is_api_request
from search_ui.services import EXTENSION, Services

if TYPE_CHECKING:
    from indexer.base import SearchEngine
    from offerings.store import Store

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

# Pages need our own stylesheet and one script of our own (the search box's autocomplete, which asks the suggest
# API, hence connect-src); JSON-LD data blocks are not scripts, so CSP leaves them be.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self';"
    " base-uri 'none'; frame-ancestors 'none'"
)


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if is_api_request() and request.method in ("GET", "HEAD"):
        # Reading the catalogue is public and needs no credentials: any site may fetch it from a browser.
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    engine: SearchEngine | None = None,
) -> Flask:
    """Build the Flask app.

    Args:
        settings: defaults to :func:`config.load_settings` (settings.toml plus ``MICROCRED_*``).
        store: defaults to a :class:`~offerings.store.Store` on ``settings.store_url``.
        engine: defaults to ``indexer.get_engine(settings)``.

    Returns:
        The app, with the API under ``/api/v1``, the UI at ``/`` and ``/healthz``.

    Raises:
        ConfigError: the settings are invalid.
    """
    settings = settings or load_settings()
    # The deployer owns logging; this only makes sure messages are not lost (in log_format) when nobody set it up.
    configure_logging(settings.log_format)
    if store is None:
        from offerings.store import Store

        store = Store(settings.store_url)
    if engine is None:
        # Imported here so that a configured Elasticsearch client is loaded only when needed.
        from indexer import get_engine

        engine = get_engine(settings)

    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.session_secret()
    # Flask types app.json as the JSONProvider base class; these two are its DefaultJSONProvider's settings.
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the pinned key order of responses
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # titles in every EU language, readable
    # Searches timed and engine failures counted for /metrics, at the one seam every view goes through.
    measured: SearchEngine = metrics.MeasuredEngine(engine)  # type: ignore[assignment]
    app.extensions[EXTENSION] = Services(settings=settings, store=store, engine=measured)

    problems.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(oai.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(providers.bp)
    app.register_blueprint(subscribe.bp)
    app.register_blueprint(home.bp)
    csrf.init_app(app)
    app.register_blueprint(registration.api)
    app.register_blueprint(registration.ui)
    app.register_blueprint(admin.api)
    app.register_blueprint(admin.ui)
    app.register_blueprint(ownership.api)
    app.register_blueprint(ownership.ui)
    app.register_blueprint(problem_reports.ui)
    app.after_request(_headers)
    http.init_app(app)
    # Last: the forms' rate limits wrap views the blueprints above registered.
    limits.init_app(app, settings)
    logger.info("web app ready: store %s, engine %s", store.engine.dialect.name, getattr(engine, "name", "?"))
    return app
