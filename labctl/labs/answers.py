"""The files a learner writes for a check: a JSON answers file, a saved `--json` output, compared item by item."""

from __future__ import annotations

import json
from pathlib import Path

from labctl.labs.checklist import Item
from labctl.labs.progress import workdir
from labctl.output import LabError

Doc = dict[str, object]


def lab_file(number: str, name: str) -> Path:
    """A file the lab's README asks the learner to save: $LABCTL_HOME/labs/NN/<name>."""
    return workdir(number) / name


def read_doc(path: Path) -> Doc | None:
    """A saved JSON object (an answers file, a command's --json output); None while it does not exist."""
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
    except ValueError as err:
        raise LabError("lab_file_unreadable", f"{path} is not JSON: {err}", "Save it again (README).") from err
    if not isinstance(doc, dict):
        raise LabError("lab_file_unreadable", f"{path} is not a JSON object.", "Save it again (README).")
    return doc


def listed(doc: Doc, key: str) -> list[object]:
    """doc[key] when it is a list, else an empty list (a saved file from another command, say)."""
    value = doc.get(key)
    return list(value) if isinstance(value, list) else []


def saved(name: str, path: Path, doc: Doc | None) -> Item:
    """TODO while the file is missing, PASS once it is there."""
    if doc is None:
        return Item(name, None, f"not done yet: save {path} (README)")
    return Item(name, True, f"{path.name} saved")


def answer(answers: Doc, key: str, want: object, *, tolerance: float | None = None) -> Item:
    """One answer compared with the value computed from the system (TODO while the key is missing)."""
    name = f"answer: {key}"
    if key not in answers:
        return Item(name, None, f'not answered yet: add "{key}" to your answers file')
    got = answers[key]
    if tolerance is not None and isinstance(got, (int, float)) and isinstance(want, (int, float)):
        ok = abs(got - want) <= tolerance * max(abs(want), 1e-9)
    elif isinstance(want, list) and isinstance(got, list):
        ok = sorted(map(str, got)) == sorted(map(str, want))
    else:
        ok = got == want
    return Item(name, ok, f"you: {got!r}" + ("" if ok else ", not what the system says: look again"))


def answers_items(path: Path, expected: dict[str, object], tolerances: dict[str, float] | None = None) -> list[Item]:
    """Every expected answer, or one TODO item while the answers file is missing."""
    doc = read_doc(path)
    if doc is None:
        return [Item("answers written", None, f"not done yet: write {path} (README, questions)")]
    tol = tolerances or {}
    return [answer(doc, key, want, tolerance=tol.get(key)) for key, want in expected.items()]
