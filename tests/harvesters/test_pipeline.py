"""The shared record path: a refused record is skipped, a crosswalk bug is a failed record, the rest is stored."""

from __future__ import annotations

import logging

import pytest

from harvesters.base import HarvestReport
from harvesters.pipeline import Pipeline
from offerings.crosswalks import CROSSWALKS, Crosswalk, SourceContext, SourceRecord
from offerings.errors import CrosswalkError
from offerings.model import Offering
from offerings.store import Source, Store

DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title></oai_dc:dc>'
)


def _convert(record: SourceRecord, context: SourceContext) -> Offering:
    if record.identifier == "bug":
        return {}["no such key"]  # a programming error, as a crosswalk bug would raise
    if record.identifier == "bad":
        raise CrosswalkError("record has no dc:title", field="title")
    return CROSSWALKS["oai_dc"].convert(record, context)


def test_bugs_fail_bad_records_skip_good_ones_are_stored(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    store.sources.add(Source(id="s", url="http://127.0.0.1/oai"))
    report = HarvestReport(source_id="s")
    pipeline = Pipeline(store, report, SourceContext(source_id="s"))
    crosswalk = Crosswalk("buggy", _convert)
    records = [
        SourceRecord(identifier=name, payload=DC.format(name).encode(), datestamp="2026-01-01")
        for name in ("good", "bad", "bug", "good too")
    ]
    with caplog.at_level(logging.ERROR, logger="harvesters.pipeline"):
        normalised = [n for r in records if (n := pipeline.normalise(r, crosswalk)) is not None]
    pipeline.write(normalised)
    assert (report.counts.added, report.counts.skipped, report.counts.failed) == (2, 1, 1)
    assert [(p.identifier, p.message) for p in report.problems] == [
        ("bad", "record has no dc:title"),
        ("bug", "internal error: KeyError('no such key')"),
    ]
    # The bug's traceback is in the log, for the developer; the HEI's report names it as ours. It travels
    # as text, so that a worker process normalising the records can hand it back too.
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1 and "crosswalk failed on bug" in failures[0]
    assert "Traceback" in failures[0] and "in _convert" in failures[0] and "KeyError: 'no such key'" in failures[0]
    assert store.count(source_id="s") == 2
