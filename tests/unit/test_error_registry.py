"""One registry of error codes: every code raised is in it, every entry is raised, docs/errors.md is current."""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from pathlib import Path

import pytest

import api.domain.errors as api_errors
from labctl.errors import AREAS, CODES
from labctl.errors_doc import DOC, render

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("labctl", "labs", "loadtests")
# infra.config's LabConfig validation errors that labctl re-raises as they are (lifecycle/lab.py, cost/templates.py)
CONFIG_CODES = {"invalid_lab_name", "invalid_region", "invalid_compute"}
CICD_CONFIG_CODES = {
    "invalid_repository",
    "invalid_environment",
    "invalid_branch",
    "invalid_lab_name",
    "invalid_region",
}
# the only places whose code is not a literal, and the codes each can carry
DYNAMIC = {
    ("labctl/local/state.py", "str(data.get('code'))"): set(),  # a detached start's LabError, read back
    ("labctl/lifecycle/lab.py", "err.code"): CONFIG_CODES,
    ("labctl/cost/templates.py", "err.code"): CONFIG_CODES,
    ("labctl/local/children.py", "f'{name}_failed'"): {
        "api_failed",
        "moto_failed",
        "seed_failed",
        "worker_failed",
        "sqs_failed",
        "frontdoor_failed",
    },
    # infra.cicd's CicdConfig validation, re-raised by `labctl cicd bootstrap`
    ("labctl/cicd/bootstrap.py", "err.code"): CICD_CONFIG_CODES,
}

Scan = tuple[dict[str, list[str]], list[tuple[str, str, int]]]


def _literal_codes(expr: ast.expr, scope: ast.AST) -> set[str] | None:
    """The codes an expression can be: a literal, either branch of `a if c else b`, a local assigned so."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        body, orelse = _literal_codes(expr.body, scope), _literal_codes(expr.orelse, scope)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.Name):
        values = [
            n.value
            for n in ast.walk(scope)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expr.id for t in n.targets)
        ]
        found = [_literal_codes(v, scope) for v in values]
        return None if not found or None in found else set().union(*[f for f in found if f is not None])
    return None


def _scan() -> Scan:
    """(code -> where it is raised, [(file, expression, line) of non-literal codes])."""
    raised: dict[str, list[str]] = defaultdict(list)
    dynamic = []
    for root in SCANNED:
        for path in sorted((REPO / root).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            tree = ast.parse(path.read_text())
            scopes = {id(n): f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or _name(node.func) != "LabError":
                    continue
                arg = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "code")
                codes = _literal_codes(arg, scopes.get(id(node), tree))
                if codes is None:
                    dynamic.append((rel, ast.unparse(arg), node.lineno))
                for code in codes or ():
                    raised[code].append(f"{rel}:{node.lineno}")
    for (rel, _expr), codes in DYNAMIC.items():
        for code in codes:
            raised[code].append(rel)
    return raised, dynamic


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


@pytest.fixture(scope="module")
def scan() -> Scan:
    return _scan()


def test_every_code_labctl_raises_is_registered(scan: Scan) -> None:
    raised, _ = scan
    missing = {code: where for code, where in raised.items() if code not in CODES}
    assert missing == {}, "add these codes to labctl/errors.py, then run `make docs`"


def test_every_registered_code_is_raised_somewhere(scan: Scan) -> None:
    raised, _ = scan
    assert sorted(set(CODES) - set(raised)) == [], "remove stale codes from labctl/errors.py"


def test_codes_are_literals_except_the_known_pass_through_places(scan: Scan) -> None:
    _, dynamic = scan
    unknown = [(rel, expr, line) for rel, expr, line in dynamic if (rel, expr) not in DYNAMIC]
    assert unknown == [], "write the code as a literal string so the registry test can see it"


def test_the_config_codes_labctl_passes_through_are_infras() -> None:
    source = (REPO / "infra" / "config.py").read_text()
    assert all(f'"{code}"' in source for code in CONFIG_CODES)
    cicd = (REPO / "infra" / "cicd.py").read_text() + source
    assert all(f'"{code}"' in cicd for code in CICD_CONFIG_CODES)


def test_codes_shared_with_the_booking_api_are_marked_and_named_alike() -> None:
    api_codes = {cls.code for _, cls in inspect.getmembers(api_errors, inspect.isclass) if hasattr(cls, "code")}
    assert {c.code for c in CODES.values() if c.api} == set(CODES) & api_codes


def test_codes_are_snake_case_and_registered_once() -> None:
    every = [c.code for area in AREAS for c in area.codes]
    assert len(every) == len(set(every))
    assert all(code.isidentifier() and code == code.lower() for code in every)


def test_docs_errors_md_is_generated_from_the_registry() -> None:
    assert DOC.read_text() == render(), "docs/errors.md is stale: run `make docs`"
    assert all(f"`{code}`" in DOC.read_text() for code in CODES)
