"""The repository speaks of itself alone: no link leaves it, no text cites where a requirement came from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TREES = ("api", "labctl", "infra", "loadtests", "web", "contracts", "labs", "docs", "tests", ".github")
TOP = ("README.md", "CONTRIBUTING.md", "Makefile", "Dockerfile", "pyproject.toml", "cdk.json")
SUFFIXES = {".py", ".md", ".js", ".html", ".css", ".json", ".yaml", ".yml", ".toml", ".txt", ""}
# built from parts, so this file does not match itself
PHRASES = [
    re.compile(r"\bissue #?\d+", re.IGNORECASE),
    re.compile(r"\bthe " + "brief\\b", re.IGNORECASE),
    re.compile(r"\bthe " + "seed's\\b", re.IGNORECASE),
    re.compile("STYLE" + r"\.md"),
    re.compile(r"\.\./" + "shared/"),
    re.compile(r"(?<![\w.])/" + r"work/"),
]
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def product_files() -> list[Path]:
    files = [REPO / name for name in TOP if (REPO / name).is_file()]
    for tree in TREES:
        files += [p for p in (REPO / tree).rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    here = Path(__file__).resolve()  # its own examples of what is refused
    return sorted(p for p in files if "__pycache__" not in p.parts and "cdk.out" not in p.parts and p != here)


def test_no_text_cites_an_outside_origin_or_path() -> None:
    hits = []
    for path in product_files():
        text = path.read_text(errors="replace")
        hits += [f"{path.relative_to(REPO)}: {m.group(0)!r}" for rx in PHRASES for m in rx.finditer(text)]
    assert hits == []


@pytest.mark.parametrize("text", ["as issue 6 says", "see the brief", "the seed's p95", "../shared/x", "/work/main"])
def test_the_phrases_are_caught(text: str) -> None:
    assert any(rx.search(text) for rx in PHRASES)


def test_every_relative_markdown_link_resolves_inside_the_repository() -> None:
    broken = []
    for path in (p for p in product_files() if p.suffix == ".md"):
        for target in MD_LINK.findall(path.read_text()):
            if re.match(r"^(https?:|mailto:|#)", target):
                continue
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                broken.append(f"{path.relative_to(REPO)} -> {target}")
    assert broken == []


def test_the_readme_goes_from_clone_to_a_booking_in_two_commands_then_to_the_labs() -> None:
    readme = (REPO / "README.md").read_text()
    first = readme.split("\n## ", 1)[0]
    assert "git clone" in first
    assert "make lab" in first
    assert "labctl labs list" in first
