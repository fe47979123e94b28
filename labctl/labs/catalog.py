"""Find the labs: every labs/NN-topic folder in order, titled by its README's first `# ` heading."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from labctl.labs.progress import Progress
from labctl.output import JsonDoc, LabError

LABS_DIR = Path(__file__).resolve().parents[2] / "labs"
_LAB_DIR = re.compile(r"^(\d{2})-[a-z0-9-]+$")
_NUMBERED = re.compile(r"^(Lab\s+)?\d{2}\s*[:.]?\s+")  # "Lab 05: Cost" and "05 Cost" both list as "Cost"


@dataclass(frozen=True)
class Lab:
    number: str
    path: Path
    title: str

    @property
    def check_file(self) -> Path:
        return self.path / "check.py"

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "title": self.title, "path": str(self.path), "check": self.check_file.is_file()}


@dataclass(frozen=True)
class Catalog:
    """`labctl labs list`: every lab, in order, with its last check's verdict (None: never checked)."""

    labs: list[Lab]
    progress: dict[str, Progress] = field(default_factory=dict)

    def status(self, lab: Lab) -> tuple[bool, str]:
        """(done, what the last check saw): done only when the last `labctl labs check` passed every item."""
        seen = self.progress.get(lab.number)
        return (seen.passed, seen.summary) if seen else (False, "never checked")

    def to_json(self) -> JsonDoc:
        out = []
        for lab in self.labs:
            seen = self.progress.get(lab.number)
            out.append({**lab.as_dict(), "done": bool(seen and seen.passed), "last_check": seen and seen.as_dict()})
        return out


@dataclass(frozen=True)
class LabPage:
    """`labctl labs show NN`: one lab's README, rendered as Markdown (or returned raw with --json)."""

    lab: Lab
    markdown: str

    def to_json(self) -> JsonDoc:
        return {**self.lab.as_dict(), "markdown": self.markdown}


def page(lab: Lab) -> LabPage:
    """The lab's README (lab_has_no_readme when the folder has none)."""
    readme = lab.path / "README.md"
    if not readme.is_file():
        raise LabError("lab_has_no_readme", f"Lab {lab.number} has no README.md.", f"Look in {lab.path}.")
    return LabPage(lab, readme.read_text())


def discover(labs_dir: Path | None = None) -> list[Lab]:
    """Every labs/NN-topic folder, in order; the title is the README's first `# ` heading."""
    found = []
    root = labs_dir or LABS_DIR
    for path in sorted(p for p in root.iterdir() if p.is_dir() and _LAB_DIR.match(p.name)):
        readme = path / "README.md"
        lines = readme.read_text().splitlines() if readme.is_file() else []
        title = next((_NUMBERED.sub("", ln[2:].strip()) for ln in lines if ln.startswith("# ")), path.name)
        found.append(Lab(path.name[:2], path, title))
    return found


def select(number: str | None, labs: list[Lab]) -> list[Lab]:
    """The lab numbered `number` (00 or 0), or every lab for None; lab_not_found otherwise."""
    if number is None:
        return labs
    chosen = [lab for lab in labs if lab.number == number.zfill(2)]
    if not chosen:
        known = ", ".join(lab.number for lab in labs)
        raise LabError("lab_not_found", f"There is no lab {number}.", f"Known labs: {known} (labctl labs list).")
    return chosen
