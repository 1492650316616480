"""V12 against a pinned ESCO version (a small export in ESCO's skills CSV shape), and without one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from offerings.errors import ConfigError
from offerings.model import Concept, LearningOutcome
from offerings.quality.validation import validate
from offerings.store import Source, Store
from offerings.vocab import esco
from tests.conftest import REPO
from tests.offerings.factories import ESCO, SKILL_1, SKILL_2, full_offering

EXPORT = REPO / "tests" / "data" / "esco" / "skills_en_v1.2.0.csv"
NOT_IN = "V12 esco_skills: not in ESCO 1.2.0"


@pytest.fixture(autouse=True)
def unpinned() -> Iterator[None]:
    """Every test starts and ends with no pinned version (the pin is process-wide)."""
    esco.pin(None)
    yield
    esco.pin(None)


def _v12(offering: object) -> list[str]:
    return [str(i) for i in validate(offering) if i.rule == "V12"]  # type: ignore[arg-type]


def test_without_a_pinned_version_only_the_pattern_is_checked() -> None:
    assert _v12(full_offering()) == []
    bad = full_offering(esco_skills=[Concept(uri=ESCO + "not-a-uuid", label={})])
    assert _v12(bad) == ["V12 esco_skills: not an ESCO skill URI"]


def test_a_skill_missing_from_the_pinned_version_warns() -> None:
    skills = esco.configure(str(EXPORT))
    assert skills is not None and skills.version == "1.2.0" and SKILL_1 in skills and SKILL_2 not in skills
    # full_offering links SKILL_1 (known) and SKILL_2 (not in this export) from its learning outcomes.
    assert _v12(full_offering()) == [NOT_IN]
    known_only = full_offering(
        esco_skills=[Concept(uri=SKILL_1, label={})],
        learning_outcomes=[LearningOutcome(text={"en": "Stimulates creativity in a team"}, esco_skills=[SKILL_1])],
    )
    assert _v12(known_only) == []
    # A malformed URI is reported as such, not as missing from the version as well.
    malformed = full_offering(esco_skills=[Concept(uri="http://example.org/skill", label={})], learning_outcomes=[])
    assert _v12(malformed) == ["V12 esco_skills: not an ESCO skill URI"]
    esco.configure("")
    assert esco.pinned() is None and _v12(full_offering()) == []


def test_the_export_is_read_once_and_the_version_can_be_set() -> None:
    first = esco.load(EXPORT)
    assert esco.load(EXPORT) is first and isinstance(first.uris, frozenset) and len(first.uris) == 2
    assert esco.load(EXPORT, version="1.1.2").version == "1.1.2"


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("skills_en_v1.2.0.csv", "1.2.0"),
        ("ESCO dataset - v1.1.1 - classification - en - csv/skills_en.csv", "1.1.1"),
        ("skills_en.csv", ""),
    ],
)
def test_version_from_the_download_name(path: str, version: str) -> None:
    assert esco.version_from_name(Path(path)) == version


def test_a_file_that_is_no_esco_export_is_a_config_error(tmp_path: Path) -> None:
    other = tmp_path / "skills.csv"
    other.write_text("uri,label\nhttp://data.europa.eu/esco/skill/x,x\n")
    with pytest.raises(ConfigError, match="conceptUri"):
        esco.load(other)
    with pytest.raises(ConfigError, match="esco_skills"):
        esco.load(tmp_path / "missing.csv")


def test_the_store_scores_records_against_the_pinned_version(store: Store) -> None:
    store.sources.add(Source(id="zed", url="http://127.0.0.1/oai"))
    esco.configure(str(EXPORT))
    offering = full_offering()
    store.upsert(offering)
    assert NOT_IN in store.get(offering.record_id).quality["warnings"]
