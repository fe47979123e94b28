"""docs/requirements.md, rendered from docs/requirements.yaml: each requirement with its code, tests and lab.

`python -m labctl.labs.requirements` rewrites docs/requirements.md (`make docs`);
tests/unit/test_requirements_doc.py checks that the file is current and that every path, test and lab it
names exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from labctl.labs.catalog import LABS_DIR, discover

REPO = LABS_DIR.parent
DATA = REPO / "docs" / "requirements.yaml"
DOC = REPO / "docs" / "requirements.md"


@dataclass(frozen=True)
class Requirement:
    id: str
    area: str
    text: str
    code: tuple[str, ...]
    tests: tuple[str, ...]
    lab: str


def load(path: Path = DATA) -> tuple[dict[str, str], list[Requirement]]:
    """The areas (key -> heading) and the requirements, in file order."""
    doc = yaml.safe_load(path.read_text())
    reqs = [
        Requirement(r["id"], r["area"], r["text"], tuple(r["code"]), tuple(r["tests"]), str(r["lab"]))
        for r in doc["requirements"]
    ]
    return dict(doc["areas"]), reqs


def _link(path: str) -> str:
    return f"[`{path}`](../{path})"


def render() -> str:
    """The Markdown document: one table per area."""
    areas, reqs = load()
    labs = {lab.number: lab for lab in discover()}
    out = [
        "# Requirements",
        "",
        "What this system must do, each requirement with the code that meets it, the tests that prove it",
        "(pytest node ids) and the lab that teaches it. Generated from `docs/requirements.yaml` by",
        "`make docs`; `tests/unit/test_requirements_doc.py` fails when a named file, test or lab does not exist.",
    ]
    for key, title in areas.items():
        out += ["", f"## {title}", "", "| id | requirement | code | tests | lab |", "|---|---|---|---|---|"]
        for r in (r for r in reqs if r.area == key):
            lab = labs.get(r.lab)
            lab_cell = f"[{r.lab}](../labs/{lab.path.name}/README.md)" if lab else r.lab
            tests = "<br>".join(f"`{t}`" for t in r.tests)
            out.append(f"| {r.id} | {r.text} | {', '.join(_link(c) for c in r.code)} | {tests} | {lab_cell} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    DOC.write_text(render())
