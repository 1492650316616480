"""docker-compose.yml and its OpenSearch override are valid against the compose-spec schema, and say what
docs/deploy.md says they do (no Docker engine here to run them)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from config import load_settings
from tests.conftest import DATA, REPO

# The Compose Specification's JSON schema (compose-spec project, Apache-2.0: tests/data/reference/README.md).
SCHEMA = DATA / "reference" / "compose-spec.schema.json"
FILES = ("docker-compose.yml", "docker-compose.opensearch.yml")
MICROCRED = ("web", "scheduler")


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / name).read_text())
    return document


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base`` as ``docker compose -f base -f top`` merges the mappings used here."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.mark.parametrize("name", FILES)
def test_compose_files_are_valid(name: str) -> None:
    # The schema names its draft without the trailing "#", so pick draft 7 explicitly.
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(_load(name))


def test_the_scale_deployment_runs_elasticsearch_with_security_on() -> None:
    services = _load("docker-compose.yml")["services"]
    assert set(services) == {"postgres", "elasticsearch", "web", "scheduler"}
    assert services["scheduler"]["command"] == ["microcred", "scheduler"]
    assert services["web"]["command"][0] == "gunicorn" and "search_ui:create_app()" in services["web"]["command"]
    elastic = services["elasticsearch"]
    assert elastic["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")
    assert elastic["environment"]["xpack.security.enabled"] == "true"
    # Passwords come from the environment, never from the file.
    assert elastic["environment"]["ELASTIC_PASSWORD"].startswith("${ELASTIC_PASSWORD:?")
    for name in MICROCRED:
        env = services[name]["environment"]
        assert env["MICROCRED_SEARCH_ENGINE"] == "elasticsearch"
        assert env["MICROCRED_SEARCH_PASSWORD"] == elastic["environment"]["ELASTIC_PASSWORD"]
        assert "${POSTGRES_PASSWORD:?" in env["MICROCRED_DATABASE_URL"]
        # Web workers and the scheduler share the metrics directory, so /metrics adds all of them up.
        assert "prometheus:" + env["PROMETHEUS_MULTIPROC_DIR"] in services[name]["volumes"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, service in services.items():
        assert "healthcheck" in service, name
    # The settings the services are given are settings microcred knows.
    known = {"MICROCRED_" + key.upper() for key in load_settings(environ={}).__dataclass_fields__}
    env = services["web"]["environment"]
    assert {key for key in env if key.startswith("MICROCRED_")} <= known


def test_the_opensearch_override_replaces_the_engine() -> None:
    base, top = _load("docker-compose.yml"), _load("docker-compose.opensearch.yml")
    services = _merged(base, top)["services"]
    # Elasticsearch is left out (a profile nobody enables), so nothing may require it.
    assert services["elasticsearch"]["profiles"] == ["elasticsearch-instead"]
    assert services["opensearch"]["image"].startswith("opensearchproject/opensearch:")
    for name in MICROCRED:
        service = services[name]
        assert service["environment"]["MICROCRED_SEARCH_ENGINE"] == "opensearch"
        assert service["environment"]["MICROCRED_SEARCH_URL"] == "http://opensearch:9200"
        assert service["depends_on"]["elasticsearch"]["required"] is False
        assert service["depends_on"]["opensearch"]["condition"] == "service_healthy"
    assert {"pgdata", "esdata", "osdata", "prometheus"} <= set(_merged(base, top)["volumes"])
