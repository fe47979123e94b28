"""Where a lab's files live and what `labctl labs list` calls done: the last `labctl labs check` of each lab.

$LABCTL_HOME/labs/NN/ holds what a lab's README asks the learner to save (answers, --json outputs,
captures); $LABCTL_HOME/labs/progress.json records, per lab, the last check's verdict and when it ran.
A lab is done when its last check passed every item; a check that fails later takes "done" back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from labctl.labs.checklist import Item, passed
from labctl.local.state import labctl_home


def labs_home() -> Path:
    """$LABCTL_HOME/labs (default ~/.labctl/labs)."""
    return labctl_home() / "labs"


def workdir(number: str) -> Path:
    """The folder a lab's README saves the learner's files to: $LABCTL_HOME/labs/NN."""
    return labs_home() / number.zfill(2)


def progress_path() -> Path:
    return labs_home() / "progress.json"


@dataclass(frozen=True)
class Progress:
    """The last check of one lab: passed every item or not, how many passed, when."""

    passed: bool
    passed_items: int
    total_items: int
    checked_at: str

    @property
    def summary(self) -> str:
        """What the last check saw: n/m items passed, and when (UTC)."""
        return f"{self.passed_items}/{self.total_items} passed {self.checked_at[:16].replace('T', ' ')}"

    def as_dict(self) -> dict[str, object]:
        return {
            "done": self.passed,
            "passed_items": self.passed_items,
            "total_items": self.total_items,
            "checked_at": self.checked_at,
        }


def load() -> dict[str, Progress]:
    """Every lab's last check (a missing or unreadable file means no lab was checked yet)."""
    try:
        raw = json.loads(progress_path().read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    out = {}
    for number, doc in raw.items():
        if isinstance(doc, dict):
            out[str(number)] = Progress(
                bool(doc.get("done")),
                int(doc.get("passed_items", 0)),
                int(doc.get("total_items", 0)),
                str(doc.get("checked_at", "")),
            )
    return out


def record(number: str, checked: list[Item], now: datetime | None = None) -> Progress:
    """Store one lab's check verdict (the file is rewritten whole; other labs' verdicts are kept)."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    verdict = Progress(passed(checked), sum(1 for i in checked if i.ok), len(checked), stamp)
    everything = {n: p.as_dict() for n, p in load().items()}
    everything[number] = verdict.as_dict()
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return verdict
