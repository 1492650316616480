"""Quality assurance inferred from DEQAR, EQAR's database of external QA results (docs/normalisation.md §3.7 M11).

There is no network to DEQAR from the harvester, so the registry is a pinned snapshot file
(``quality.deqar_registry``): a JSON or CSV export of DEQAR institutions. The fields follow DEQAR's public API
for institutions (``/connectapi/v1/institutions/``): ``deqar_id`` (``DEQARINST0034``), ``name_primary``, the
country, the institution's ``identifiers`` as ``{resource, identifier}`` pairs (resources ``Erasmus`` and
``SCHAC``), plus two fields the snapshot adds from the institution's reports: ``has_valid_institutional_report``
(an institutional review whose validity has not ended) and ``report_url`` (that report's public page).

JSON is a list of such objects (``countries`` may be DEQAR's ``[{"country": …}]`` list or a plain ``country``;
the identifiers may also be flat ``erasmus_code`` / ``schac`` keys). CSV has one row per institution with the
columns ``deqar_id, name_primary, country, erasmus_code, schac, has_valid_institutional_report, report_url``.

:func:`enrich` is pure: an offering with no declared QA whose awarding body (else provider) matches an
institution with a valid institutional review — by ``ids.deqar``, else Erasmus code, else SCHAC — gains
``{type: external_institutional, basis: inferred_from_registry, report_url}``. Inferred QA never counts as
declared: :mod:`offerings.quality` counts only ``basis == "declared"`` for Annex I M11.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offerings.errors import ConfigError
from offerings.model import Offering, Organisation, Provenance, QualityAssurance

__all__ = ["INFERRED", "Institution", "Registry", "enrich", "load"]

logger = logging.getLogger(__name__)

INFERRED = "inferred_from_registry"
_TRUE = {"1", "true", "yes", "y", "t"}
_CACHE: dict[tuple[str, int, int], Registry] = {}
_LOCK = threading.Lock()


@dataclass(slots=True, frozen=True)
class Institution:
    """One DEQAR institution as the snapshot has it."""

    deqar_id: str
    name: str
    country: str | None = None
    erasmus_codes: tuple[str, ...] = ()
    schac_codes: tuple[str, ...] = ()
    valid_review: bool = False
    report_url: str | None = None


def _erasmus_key(code: str) -> str:
    # Erasmus codes pad the country part with spaces ("P  COIMBRA01", "D  MUNCHEN01"), and feeds write the
    # padding inconsistently; the code without spaces is still unique.
    return re.sub(r"\s+", "", code).upper()


def _schac_key(code: str) -> str:
    return code.strip().lower()


@dataclass(slots=True)
class Registry:
    """The institutions of one snapshot, indexed by DEQAR id, Erasmus code and SCHAC."""

    institutions: list[Institution]
    source: str = ""
    by_deqar: dict[str, Institution] = field(default_factory=dict)
    by_erasmus: dict[str, Institution] = field(default_factory=dict)
    by_schac: dict[str, Institution] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for inst in self.institutions:
            self.by_deqar[inst.deqar_id.upper()] = inst
            for code in inst.erasmus_codes:
                self.by_erasmus[_erasmus_key(code)] = inst
            for code in inst.schac_codes:
                self.by_schac[_schac_key(code)] = inst

    def match(self, org: Organisation) -> Institution | None:
        """The institution ``org`` names by DEQAR id, Erasmus code or SCHAC (in that order), if any."""
        ids = org.ids
        if ids.get("deqar") and ids["deqar"].upper() in self.by_deqar:
            return self.by_deqar[ids["deqar"].upper()]
        if ids.get("erasmus_code") and _erasmus_key(ids["erasmus_code"]) in self.by_erasmus:
            return self.by_erasmus[_erasmus_key(ids["erasmus_code"])]
        if ids.get("schac") and _schac_key(ids["schac"]) in self.by_schac:
            return self.by_schac[_schac_key(ids["schac"])]
        return None


def enrich(offering: Offering, registry: Registry | None) -> Offering:
    """``offering`` with QA inferred from the registry when it declares none; otherwise ``offering`` itself.

    Tombstones, offerings with declared QA, offerings already enriched, and offerings whose bodies match no
    institution with a valid institutional review come back unchanged.
    """
    if registry is None or offering.deleted:
        return offering
    if any(q.basis == "declared" or q.basis == INFERRED for q in offering.quality_assurance):
        return offering
    # The awarding HEI's review is what underpins the credential (§3.7 M11); the provider is the fallback.
    for org in (*offering.awarding_body, *offering.provider):
        inst = registry.match(org)
        if inst is not None and inst.valid_review:
            inferred = QualityAssurance(
                type="external_institutional",
                basis=INFERRED,
                report_url=inst.report_url,
                description={"en": f"External institutional review listed in DEQAR ({inst.deqar_id})"},
            )
            provenance = dict(offering.field_provenance)
            provenance["quality_assurance"] = Provenance(
                source_path=f"DEQAR {inst.deqar_id}", method="enriched", confidence=0.9
            )
            return dataclasses.replace(
                offering,
                quality_assurance=[*offering.quality_assurance, inferred],
                field_provenance=provenance,
            )
    return offering


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value or "").strip().lower() in _TRUE


def _codes(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list) else str(value).split("|")
    return tuple(str(v).strip() for v in items if str(v).strip())


def _institution(item: Mapping[str, Any]) -> Institution:
    erasmus = list(_codes(item.get("erasmus_code")))
    schac = list(_codes(item.get("schac")))
    for ident in item.get("identifiers") or []:
        resource = str(ident.get("resource", "")).lower()
        if resource == "erasmus":
            erasmus.append(str(ident.get("identifier", "")))
        elif resource == "schac":
            schac.append(str(ident.get("identifier", "")))
    country = item.get("country")
    if not country and item.get("countries"):
        first = item["countries"][0]
        country = first.get("country") if isinstance(first, Mapping) else first
    if isinstance(country, Mapping):  # DEQAR nests the country object: {"iso_3166_alpha2": "PT", …}
        country = country.get("iso_3166_alpha2")
    deqar_id = str(item.get("deqar_id") or "").strip()
    if not re.fullmatch(r"DEQARINST\d+", deqar_id):
        raise ValueError(f"not a DEQAR institution id: {deqar_id!r}")
    return Institution(
        deqar_id=deqar_id,
        name=str(item.get("name_primary") or ""),
        country=str(country).upper() if country else None,
        erasmus_codes=tuple(c for c in erasmus if c),
        schac_codes=tuple(c for c in schac if c),
        valid_review=_flag(item.get("has_valid_institutional_report")),
        report_url=str(item.get("report_url") or "") or None,
    )


def _rows(file: Path) -> Iterable[Mapping[str, Any]]:
    if file.suffix.lower() == ".json":
        data = json.loads(file.read_text(encoding="utf-8"))
        # The API pages its answers as {"count", "results": […]}; a saved page works as well as a list.
        rows: Iterable[Mapping[str, Any]] = data["results"] if isinstance(data, dict) and "results" in data else data
        return rows
    with file.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def load(path: str | Path) -> Registry:
    """The registry of a DEQAR snapshot file (JSON or CSV), read once per file state.

    Raises:
        ConfigError: the file is missing, unreadable or not a DEQAR institutions export.
    """
    file = Path(path)
    try:
        stat = file.stat()
        key = (str(file.resolve()), stat.st_size, stat.st_mtime_ns)
        with _LOCK:
            if key in _CACHE:
                return _CACHE[key]
            registry = Registry([_institution(item) for item in _rows(file)], source=str(file))
            _CACHE.clear()  # one snapshot at a time; an updated file replaces the old one
            _CACHE[key] = registry
    except (OSError, ValueError, KeyError, TypeError, AttributeError, csv.Error) as exc:
        raise ConfigError(f"quality.deqar_registry: cannot read {file}: {exc}") from exc
    logger.info("DEQAR snapshot %s: %d institutions", file, len(registry.institutions))
    return registry
