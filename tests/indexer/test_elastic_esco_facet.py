"""The ESCO skills facet on Elasticsearch/OpenSearch, as far as it can be checked without a node: what is
indexed for it, what is asked and how the counts are read back. The contract suite (test_search.py) runs
the facet against a real OpenSearch node."""

from __future__ import annotations

from indexer.base import SearchQuery
from indexer.elastic import query

LABELLED = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
UNLABELLED = "http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d"
SEP = "\x01"


def test_each_skill_is_counted_with_its_label() -> None:
    doc = {
        "id": "a",
        "title": "Digital content",
        "esco_skills": [LABELLED, UNLABELLED],
        "esco_skill_labels": ["develop digital content", ""],
    }
    body = query.index_document(doc)
    assert body["esco_skill_facet"] == sorted(
        [f"{LABELLED}{SEP}develop digital content", f"{UNLABELLED}{SEP}{UNLABELLED}"]
    )
    assert "esco_skill_facet" in query.ENGINE_KEYS  # indexed, never returned
    assert "esco_skill_facet" not in query.index_document({"id": "b", "title": "No skills"})


def test_the_facet_is_asked_on_the_labelled_field_and_read_back_labelled() -> None:
    wanted = SearchQuery(facets=("esco_skill",), filters={"esco_skill": (LABELLED,)})
    assert query._facet_aggregations(wanted)["esco_skill"] == {
        "terms": {"field": "esco_skill_facet", "size": query.FACET_SIZE}
    }
    # Filtering is on the plain URIs.
    assert query._facet_filter("esco_skill", (LABELLED,)) == {"terms": {"esco_skills": [LABELLED]}}
    aggregations = {"esco_skill": {"buckets": [{"key": f"{LABELLED}{SEP}develop digital content", "doc_count": 2}]}}
    (value,) = query._facets(aggregations, wanted)["esco_skill"]
    assert (value.value, value.label, value.count) == (LABELLED, "develop digital content", 2)
    assert query.mapping()["mappings"]["properties"]["esco_skill_facet"] == {"type": "keyword"}
