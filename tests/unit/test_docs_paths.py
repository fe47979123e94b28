"""Every file and folder the README and docs/ name exists, so the docs describe the tree as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/**/*.md")])
TOP = ("api", "web", "labctl", "infra", "contracts", "labs", "loadtests", "docs", "tests", "requirements", ".github")
# `api/http/app.py`, `labctl/local/` or `contracts/table.json` in backquotes, optionally with `:line` or a symbol
_CODE_PATH = re.compile(r"`((?:" + "|".join(re.escape(t) for t in TOP) + r")/[^`\s:()]*)")
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
_PLACEHOLDER = re.compile(r"[<>*{}]|NN|\.\.\.")
# `labctl.local.entry`, `python -m api.seed`, `api.http.app:create_app`, `infra.config.stack_names(config)`
_FILE_SUFFIXES = {"log", "json", "yaml", "md", "txt", "py", "pem", "key"}
_MODULE = re.compile(r"`(?:python -m )?((?:api|labctl|infra|loadtests)(?:\.\w+)+)(?::(\w+))?")


def named_paths(doc: Path) -> set[tuple[str, Path]]:
    """(as written, the path it names) for each repository path in backquotes and each relative link."""
    text = doc.read_text()
    found: set[tuple[str, Path]] = set()
    for match in _CODE_PATH.finditer(text):
        written = match.group(1).rstrip(".,;")
        if not _PLACEHOLDER.search(written):
            found.add((written, ROOT / written))
    for match in _LINK.finditer(text):
        target = match.group(1)
        if "://" in target or target.startswith("mailto:") or _PLACEHOLDER.search(target):
            continue
        found.add((target, (doc.parent / target).resolve()))
    return found


def module_resolves(dotted: str) -> bool:
    """A module of the repository, or a name defined in one (`pkg.module.attr`)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        source = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if source.is_file():
            rest = parts[cut:]
            return not rest or re.search(rf"\b{re.escape(rest[0])}\b", source.read_text()) is not None
    return False


def named_modules(doc: Path) -> set[str]:
    """Each dotted module (or module attribute) of the repository a document names in backquotes."""
    found = set()
    for match in _MODULE.finditer(doc.read_text()):
        if match.group(1).rsplit(".", 1)[-1] in _FILE_SUFFIXES:  # `api.log` is a log file
            continue
        found.add(match.group(1) + (f".{match.group(2)}" if match.group(2) else ""))
    return found


# ADRs keep the modules of their day (what a decision replaced), so only the living documents are checked
@pytest.mark.parametrize("doc", [d for d in DOCS if "adr" not in d.parts], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_a_document_names_exists(doc: Path) -> None:
    missing = sorted(m for m in named_modules(doc) if not module_resolves(m))
    assert missing == [], f"{doc.relative_to(ROOT)} names modules that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_document_names_exists(doc: Path) -> None:
    missing = sorted(written for written, path in named_paths(doc) if not path.exists())
    assert missing == [], f"{doc.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_scan_finds_the_paths_the_readme_names() -> None:
    written = {w for w, _ in named_paths(ROOT / "README.md")}
    assert {"api/bootstrap.py", "api/service/ports.py", "docs/architecture.md"} <= written


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("See `api/no_such_module.py` and [this](no-such-file.md), not `labs/NN-topic/`.\n")
    names = named_paths(doc)
    assert {w for w, _ in names} == {"api/no_such_module.py", "no-such-file.md"}
    assert not any(p.exists() for _, p in names)


def test_modules_and_their_names_resolve_and_a_stale_one_does_not() -> None:
    assert module_resolves("labctl.local.detached")
    assert module_resolves("api.http.app.create_app")
    assert not module_resolves("labctl.local.no_such_module")
    assert not module_resolves("api.bootstrap.no_such_function")
