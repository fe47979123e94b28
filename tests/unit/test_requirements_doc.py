"""docs/requirements.yaml names only things that exist, and docs/requirements.md is rendered from it."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from labctl.labs.catalog import discover
from labctl.labs.requirements import DOC, REPO, load, render

AREAS, REQUIREMENTS = load()


@cache
def functions_in(path: Path) -> frozenset[str]:
    """Test function names of a module, by parsing it (no import, no collection)."""
    tree = ast.parse(path.read_text())
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    )


def test_the_document_is_generated_from_the_data() -> None:
    assert DOC.read_text() == render(), "docs/requirements.md is stale: run `make docs`"


def test_every_area_has_requirements_and_ids_are_unique() -> None:
    assert {r.area for r in REQUIREMENTS} == set(AREAS)
    ids = [r.id for r in REQUIREMENTS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("req", REQUIREMENTS, ids=lambda r: r.id)
def test_every_named_path_test_and_lab_exists(req: object) -> None:
    from labctl.labs.requirements import Requirement

    assert isinstance(req, Requirement)
    missing_code = [c for c in req.code if not (REPO / c).exists()]
    missing_tests = []
    for node_id in req.tests:
        file, _, name = node_id.partition("::")
        path = REPO / file
        if not path.is_file() or name not in functions_in(path):
            missing_tests.append(node_id)
    assert (missing_code, missing_tests) == ([], [])
    assert req.tests, "a requirement without a test is a wish"
    assert req.lab in {lab.number for lab in discover()}


def test_a_test_id_that_does_not_exist_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "test_x.py"
    module.write_text("def test_real():\n    pass\n\nasync def test_async():\n    pass\n\ndef helper():\n    pass\n")
    assert functions_in(module) == {"test_real", "test_async"}
