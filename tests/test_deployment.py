"""docker-compose.yml is valid against the compose-spec schema (no Docker engine here to run it)."""

from __future__ import annotations

import json

import jsonschema
import yaml

from tests.conftest import DATA, REPO

# The Compose Specification's JSON schema (compose-spec project, Apache-2.0: tests/data/reference/README.md).
SCHEMA = DATA / "reference" / "compose-spec.schema.json"


def test_compose_file_is_valid() -> None:
    document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    # The schema names its draft without the trailing "#", so pick draft 7 explicitly.
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(document)
    assert {"postgres", "opensearch", "web", "scheduler"} <= set(document["services"])
    assert document["services"]["scheduler"]["command"] == ["microcred", "scheduler"]
