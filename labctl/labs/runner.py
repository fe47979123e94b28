"""`labctl labs check`: run each lab's check.py in its own process and read its items back.

A check.py that ends with `checklist.main(check)` prints its items as JSON with `--json`; any other
script is judged by its exit code (0 passes) and its last line of output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

from labctl.labs import progress
from labctl.labs.catalog import Lab
from labctl.labs.checklist import Item, passed
from labctl.output import EXIT_FAILURE, EXIT_OK, JsonDoc

SCRIPT_TIMEOUT_S = 300


@dataclass(frozen=True)
class LabRun:
    lab: Lab
    items: list[Item]


@dataclass(frozen=True)
class CheckReport:
    """Every lab checked; passed only when every item of every lab passed."""

    runs: list[LabRun]

    @property
    def passed(self) -> bool:
        return all(passed(run.items) for run in self.runs)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.passed else EXIT_FAILURE

    def to_json(self) -> JsonDoc:
        labs = [
            {"number": r.lab.number, "title": r.lab.title, "items": [i._asdict() for i in r.items]} for r in self.runs
        ]
        return {"passed": self.passed, "labs": labs}


def run_check(lab: Lab) -> list[Item]:
    """The lab's items: from check.py's JSON, else one item judged by its exit code."""
    if not lab.check_file.is_file():
        return [Item("check.py", None, f"lab {lab.number} has no check yet")]
    try:
        done = subprocess.run(
            [sys.executable, str(lab.check_file), "--json"],
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
            cwd=lab.path.parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [Item("check.py finished", False, f"still running after {SCRIPT_TIMEOUT_S} s")]
    reported = _reported_items(done.stdout)
    if reported is not None:
        return reported
    output = done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""]
    return [Item("check.py passed", done.returncode == 0, f"exit {done.returncode}; {output[-1]}".strip("; "))]


def _reported_items(stdout: str) -> list[Item] | None:
    lines = stdout.strip().splitlines()
    try:
        doc = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None
    return [Item(str(i.get("name")), i.get("ok"), str(i.get("detail"))) for i in doc["items"] if isinstance(i, dict)]


def check_all(labs: list[Lab]) -> CheckReport:
    """Run each lab's check, in order, and record each verdict for `labctl labs list`."""
    runs = []
    for lab in labs:
        checked = run_check(lab)
        progress.record(lab.number, checked)
        runs.append(LabRun(lab, checked))
    return CheckReport(runs)
