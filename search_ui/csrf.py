"""CSRF protection of the HTML forms: a random token kept in the signed session, echoed by each form.

Every form posts a hidden ``csrf_token``; :func:`require` refuses a post whose token is missing or not the
session's with a 400 page. The JSON API is not behind it: it takes no cookies (admin calls carry a bearer token).
"""

from __future__ import annotations

import secrets

from flask import Flask, abort, request, session

__all__ = ["init_app", "require", "token"]

_KEY = "csrf_token"


def token() -> str:
    """The session's CSRF token (made on first use)."""
    value = session.get(_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[_KEY] = value
    return value


def require() -> None:
    """Abort with 400 unless the posted form carries the session's token."""
    sent = request.form.get(_KEY, "")
    expected = session.get(_KEY)
    if not isinstance(expected, str) or not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="The form had expired or was not sent from this site. Please reload it and try again.")


def init_app(app: Flask) -> None:
    """Make ``csrf_token()`` available to templates."""
    app.jinja_env.globals["csrf_token"] = token
