"""The import rules of docs/architecture.md ("Which way imports go"), checked over the source tree.

Every ``import`` and ``from ... import`` of every module is read with ``ast`` (function-level imports too),
so a rule broken anywhere in a module fails here with the module and the line.
"""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

PACKAGES = ("offerings", "harvesters", "indexer", "search_ui", "config", "microcred")
# The kernel's pure parts: no database (the store), nothing outside the kernel.
PURE = ("offerings.model", "offerings.vocab", "offerings.text", "offerings.crosswalks", "offerings.quality",
        "offerings.export", "offerings.normalise", "offerings.errors")  # fmt: skip


def _imports() -> list[tuple[str, int, str]]:
    """(importing module, line, imported module) for every import of ours in the tree."""
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic revisions are the store's own
            module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                found += [(module, node.lineno, name) for name in names if name.split(".")[0] in PACKAGES]
    return found


IMPORTS = _imports()


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _broken(importer: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module}:{line} imports {name}"
        for module, line, name in IMPORTS
        if _within(module, importer) and any(_within(name, f) for f in forbidden)
    ]


def test_the_tree_was_read() -> None:
    # A rule over no imports would pass: the reading must find what is known to be there.
    assert len(IMPORTS) > 300
    assert any(m == "offerings.store.records" and n == "offerings.errors" for m, _, n in IMPORTS)
    assert any(m == "harvesters.pipeline" and n == "offerings.normalise" for m, _, n in IMPORTS)


def test_the_kernel_imports_nothing_outside_itself() -> None:
    assert _broken("offerings", ("harvesters", "indexer", "search_ui", "config", "microcred")) == []


@pytest.mark.parametrize("pure", PURE)
def test_the_pure_kernel_does_not_reach_the_store(pure: str) -> None:
    assert _broken(pure, ("offerings.store",)) == []


def test_the_sqlite_engine_does_not_import_the_elastic_one() -> None:
    assert _broken("indexer.sqlite", ("indexer.elastic",)) == []


def test_the_elastic_engine_does_not_import_the_sqlite_one() -> None:
    assert _broken("indexer.elastic", ("indexer.sqlite",)) == []


def test_the_shared_search_document_imports_neither_engine() -> None:
    assert _broken("indexer.document", ("indexer.sqlite", "indexer.elastic")) == []
    assert any(m == "indexer.elastic.query" and n == "indexer.document" for m, _, n in IMPORTS)


def test_harvesters_and_indexer_stay_apart_and_below_the_app() -> None:
    assert _broken("harvesters", ("indexer", "search_ui", "microcred")) == []
    assert _broken("indexer", ("harvesters", "search_ui", "microcred")) == []
    assert _broken("search_ui", ("microcred",)) == []
    assert _broken("config", ("offerings.store", "harvesters", "indexer", "search_ui", "microcred")) == []
