"""The pinned ESCO skills version V12 checks skill URIs against (docs/normalisation.md §4.1, "Pin the ESCO version").

ESCO publishes each version as a download of CSV files; ``skills_<lang>.csv`` has one row per skill with
the columns ``conceptType, conceptUri, skillType, reuseLevel, preferredLabel, altLabels, …, status, …``.
:func:`load` reads the ``conceptUri`` column of such a file once into a frozen set (a file is read again only
when its path, size or modification time changes). The version is the ``quality.esco_version`` setting, or else
read from the file or folder name as ESCO's download names it (``ESCO dataset - v1.2.0 - classification - en -
csv/skills_en.csv``, ``skills_en_v1.2.0.csv``).

:func:`pin` makes one loaded version the one :func:`offerings.quality.validation.validate` uses (V12); without a
pinned version only the URI pattern is checked. The harvest runner pins the configured file before each
harvest, so every record the store scores is checked against it.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from offerings.errors import ConfigError

__all__ = ["EscoSkills", "configure", "load", "pin", "pinned", "version_from_name"]

logger = logging.getLogger(__name__)

_VERSION = re.compile(r"v(\d+(?:\.\d+){1,2})", re.IGNORECASE)
_CACHE: dict[tuple[str, int, int, str], EscoSkills] = {}
_LOCK = threading.Lock()
_PINNED: EscoSkills | None = None


@dataclass(slots=True, frozen=True)
class EscoSkills:
    """The skill URIs of one ESCO version."""

    version: str
    uris: frozenset[str]
    path: str

    def __contains__(self, uri: object) -> bool:
        return uri in self.uris


def version_from_name(path: Path) -> str:
    """The ESCO version named in the file or folder name (``v1.2.0`` → ``"1.2.0"``), or ``""``."""
    for part in (path.name, *(p.name for p in path.parents)):
        match = _VERSION.search(part)
        if match:
            return match.group(1)
    return ""


def load(path: str | Path, *, version: str = "") -> EscoSkills:
    """The skills of an ESCO skills CSV export, read once per file state.

    Raises:
        ConfigError: the file is missing, unreadable or has no ``conceptUri`` column.
    """
    file = Path(path)
    try:
        stat = file.stat()
    except OSError as exc:
        raise ConfigError(f"quality.esco_skills: cannot read {file}: {exc}") from exc
    key = (str(file.resolve()), stat.st_size, stat.st_mtime_ns, version)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        try:
            with file.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                if "conceptUri" not in (reader.fieldnames or []):
                    raise ConfigError(f"quality.esco_skills: {file} has no conceptUri column (not an ESCO export)")
                uris = frozenset(row["conceptUri"].strip() for row in reader if (row.get("conceptUri") or "").strip())
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"quality.esco_skills: cannot read {file}: {exc}") from exc
        skills = EscoSkills(version=version or version_from_name(file) or "unknown", uris=uris, path=str(file))
        _CACHE.clear()  # one pinned file at a time; an edited file replaces its old set
        _CACHE[key] = skills
    logger.info("ESCO %s: %d skills from %s", skills.version, len(uris), file)
    return skills


def pin(skills: EscoSkills | None) -> None:
    """Make ``skills`` the version V12 checks against (None: check the URI pattern only)."""
    global _PINNED
    _PINNED = skills


def pinned() -> EscoSkills | None:
    """The pinned ESCO version, if any."""
    return _PINNED


def configure(path: str, *, version: str = "") -> EscoSkills | None:
    """Pin the file the settings name (``quality.esco_skills``), or unpin when the path is empty.

    Raises:
        ConfigError: the file cannot be read as an ESCO skills export.
    """
    skills = load(path, version=version) if path else None
    pin(skills)
    return skills
