"""Where log records go and in what form: lines for people (``log_format = "text"``, the default) or one JSON
object a line for a log pipeline (``"json"``, python-json-logger), chosen by ``MICROCRED_LOG_FORMAT``.

The deployer owns logging: when the root logger has handlers already (a test runner, an embedding program) it is
left alone.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from offerings.errors import ConfigError

__all__ = ["FORMATS", "configure_logging"]

logger = logging.getLogger(__name__)

FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The record's own fields, renamed to what log pipelines expect; extras passed with ``extra=`` are kept too.
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(threadName)s %(message)s"
_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger", "threadName": "thread"}


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``log_format``.

    Raises:
        ConfigError: not one of :data:`FORMATS`.
    """
    if log_format == "json":
        return JsonFormatter(_JSON_FIELDS, rename_fields=_RENAMED, json_ensure_ascii=False)
    if log_format == "text":
        return logging.Formatter(TEXT)
    raise ConfigError(f"log_format must be one of {', '.join(FORMATS)}, not {log_format!r}")


def configure_logging(log_format: str = "text", *, level: int = logging.INFO) -> None:
    """Send log records to stderr in ``log_format``, unless logging is configured already.

    Raises:
        ConfigError: an unknown format.
    """
    chosen = formatter(log_format)
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(chosen)
    root.addHandler(handler)
    root.setLevel(level)
