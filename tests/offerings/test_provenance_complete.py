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

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord, mining, oai_dc
from offerings.model import Offering

EVAL = Path(__file__).resolve().parents[2] / "tests" / "data" / "eval" / "records.jsonl"
# Fields that follow another field's mark: the text an assessment type was read from, the basis of the
# workload, the run list that mined dates and prices live in.
COMPANIONS = {
    "assessment_description": ("assessment_types",),
    "workload_basis": ("ects_credits", "ects_range", "workload_hours", "other_credits"),
    "instances": ("instances", "price"),
    "price": ("price",),
    "ects_range": ("ects_range", "ects_credits"),
}
NOT_MINED = {"field_provenance", "crosswalk_warnings"}


def _normalise(item: dict[str, object]) -> Offering:
    record = SourceRecord(
        identifier=str(item["id"]),
        payload=str(item["payload"]).encode("utf-8"),
        url=item.get("url"),  # type: ignore[arg-type]
    )
    return CROSSWALKS[str(item["format"])](record, SourceContext(**item["context"]))  # type: ignore[arg-type]


def test_every_mined_value_is_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    with EVAL.open(encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines if line.strip()]
    mined = [_normalise(item) for item in items]
    nothing = mining.mine("", None, None)
    monkeypatch.setattr(mining, "mine", lambda *args, **kwargs: nothing)
    monkeypatch.setattr(oai_dc, "_mine", lambda *args, **kwargs: nothing)
    plain = [_normalise(item) for item in items]
    unmarked: list[str] = []
    differing = 0
    for item, with_text, without in zip(items, mined, plain, strict=True):
        marks = with_text.field_provenance
        for f in dataclasses.fields(Offering):
            if f.name in NOT_MINED or getattr(with_text, f.name) == getattr(without, f.name):
                continue
            differing += 1
            names = COMPANIONS.get(f.name, (f.name,))
            if not any(n in marks and marks[n].method in ("parsed", "inferred") for n in names):
                unmarked.append(f"{item['id']} ({item['format']}) {f.name}")
    assert differing > 500  # the mining did fill fields: the comparison has something to check
    assert unmarked == []
