"""The full record: JSON round trip, loading records stored by older code, the search document."""

from __future__ import annotations

import dataclasses
import json

from offerings.export.search import search_document
from offerings.model import Instance, Offering, Organisation
from offerings.model.parts import Place
from tests.factories import full_offering


def test_every_field_has_help() -> None:
    from offerings.model import parts

    classes = [Offering, *(getattr(parts, name) for name in parts.__all__ if name != "LangMap")]
    for cls in classes:
        for f in dataclasses.fields(cls):
            assert f.metadata.get("help"), f"{cls.__name__}.{f.name} has no help"


def test_full_record_round_trips_through_json() -> None:
    original = full_offering()
    stored = json.loads(json.dumps(original.to_dict()))
    loaded = Offering.from_dict(stored)
    assert loaded == original
    assert isinstance(loaded.instances[0].venues[0], Place)
    assert loaded.quality_assurance[0].qa_body == original.quality_assurance[0].qa_body
    assert loaded.content_hash() == original.content_hash()


def test_records_stored_by_the_first_release_still_load() -> None:
    # The JSON the first release's to_dict() wrote: no field added since, and a key nobody knows.
    old = {
        "record_id": "src:1",
        "source_id": "src",
        "source_format": "oai_dc",
        "original_identifier": "oai:x:1",
        "title": {"en": "Course"},
        "provider": [{"name": {"en": "Uni"}, "country": "NL", "homepage": None, "ids": {}}],
        "learning_outcomes": [{"text": {"en": "Analyse data with Python"}, "esco_skills": []}],
        "quality_assurance": [{"type": "external_institutional", "basis": "declared", "description": {}}],
        "instances": [
            {
                "start_date": "2027-02-01",
                "end_date": None,
                "application_deadline": None,
                "location": "online",
                "price": [{"amount": 0, "currency": "EUR", "label": {}}],
            }
        ],
        "field_provenance": {"mode": {"source_path": "dc:description", "method": "parsed", "confidence": 0.7}},
        "retired_field": 1,
    }
    loaded = Offering.from_dict(old)
    assert loaded.provider == [Organisation(name={"en": "Uni"}, country="NL")]
    assert loaded.instances[0] == Instance(start_date=loaded.start_date, location="online", price=loaded.all_prices())
    assert loaded.field_provenance["mode"].method == "parsed"
    assert loaded.credential_title == {} and loaded.cluster_id is None and loaded.contact is None


def test_search_document_keeps_the_pinned_keys_and_adds_the_new_ones() -> None:
    document = search_document(full_offering(), completeness=90, tier="annex1_complete", seq=3, updated="x")
    for key in (
        "id",
        "title",
        "provider",
        "country",
        "ects_credits",
        "eqf_level",
        "languages",
        "mode",
        "url",
        "start_date",
        "completeness",
    ):
        assert key in document
    assert document["cluster"] == document["id"]
    assert document["assessment"] == ["artefact_assessment"] and document["qf_ehea_cycle"] == "first"
    assert "stimulate creativity in the team" in document["skills"]
    clustered = search_document(full_offering(cluster_id="other:1"), completeness=1, tier="t", seq=1, updated="x")
    assert clustered["cluster"] == "other:1"
    json.dumps(document)
