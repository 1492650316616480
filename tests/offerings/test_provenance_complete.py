"""Every value the crosswalks mine from free text carries a provenance mark (issue 14, item 4).

The evaluation set is normalised twice: as it is, and with the §3.7 text parsers answering nothing. Every
field that differs between the two was mined, so it must be marked ``parsed`` or ``inferred`` in
``field_provenance`` (which the API shows and the credit supplement describes).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord, common, mining, oai_dc, schema_org
from offerings.model import Offering

EVAL = Path(__file__).resolve().parents[2] / "tests" / "data" / "eval" / "records.jsonl"
# Fields that follow another field's mark: the text an assessment type was read from, the basis of the
# workload, the run list that mined dates and prices live in, the organisations whose country was inferred.
COMPANIONS = {
    "assessment_description": ("assessment_types",),
    "workload_basis": ("ects_credits", "ects_range", "workload_hours", "other_credits"),
    "instances": ("instances", "price"),
    "price": ("price",),
    "ects_range": ("ects_range", "ects_credits"),
    # A national unit is ECTS on evidence, else other credits: either way the credits' mark says which.
    "other_credits": ("other_credits", "ects_credits"),
    # The country inferred for the organisations is marked once, on issuer_country (normalisation.md §3.7).
    "provider": ("provider", "issuer_country"),
    "awarding_body": ("awarding_body", "issuer_country"),
}
NOT_MINED = {"field_provenance", "crosswalk_warnings"}


def _normalise(item: dict[str, object]) -> Offering:
    record = SourceRecord(
        identifier=str(item["id"]),
        payload=str(item["payload"]).encode("utf-8"),
        url=item.get("url"),  # type: ignore[arg-type]
    )
    return CROSSWALKS[str(item["format"])](record, SourceContext(**item["context"]))  # type: ignore[arg-type]


def _items() -> list[dict[str, object]]:
    with EVAL.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _unmarked(items: list[dict[str, object]], full: list[Offering], plain: list[Offering]) -> tuple[int, list[str]]:
    """How many fields differ between ``full`` and ``plain``, and those whose difference carries no mark."""
    unmarked: list[str] = []
    differing = 0
    for item, with_it, without in zip(items, full, plain, strict=True):
        marks = with_it.field_provenance
        for f in dataclasses.fields(Offering):
            if f.name in NOT_MINED or getattr(with_it, f.name) == getattr(without, f.name):
                continue
            differing += 1
            names = COMPANIONS.get(f.name, (f.name,))
            if not any(n in marks and marks[n].method in ("parsed", "inferred") for n in names):
                unmarked.append(f"{item['id']} ({item['format']}) {f.name}")
    return differing, unmarked


def test_every_mined_value_is_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    items = _items()
    mined = [_normalise(item) for item in items]
    nothing = mining.mine("", None, None)
    monkeypatch.setattr(mining, "mine", lambda *args, **kwargs: nothing)
    monkeypatch.setattr(oai_dc, "_mine", lambda *args, **kwargs: nothing)
    differing, unmarked = _unmarked(items, mined, [_normalise(item) for item in items])
    assert differing > 500  # the mining did fill fields: the comparison has something to check
    assert unmarked == []


def test_every_value_inferred_from_evidence_is_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same with the evidence of a country the record does not state (registry codes, domains) gone."""
    items = [i for i in _items() if not i["context"].get("country")]  # type: ignore[union-attr]
    inferred = [_normalise(item) for item in items]
    for module in (common, oai_dc, schema_org):
        monkeypatch.setattr(module, "country_evidence", lambda *args, **kwargs: None)
    differing, unmarked = _unmarked(items, inferred, [_normalise(item) for item in items])
    assert differing > 50
    assert unmarked == []
