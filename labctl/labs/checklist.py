"""What a lab's check.py returns and how it prints: the shared `main` every check.py ends with.

    if __name__ == "__main__":
        sys.exit(checklist.main(check))

`python labs/NN-topic/check.py` prints PASS / TODO / FAIL lines; with `--json` it prints one JSON
document, which is how `labctl labs check` reads it (each check runs in its own process).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, Protocol

from labctl.output import EXIT_ERROR, EXIT_FAILURE, EXIT_OK, LabError, console


class Item(NamedTuple):
    """One checked outcome: ok True passed, False failed, None not attempted yet (TODO)."""

    name: str
    ok: bool | None
    detail: str


class ItemLike(Protocol):
    """A lab's own small result type (a dataclass or named tuple with these three fields)."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def detail(self) -> str: ...


Check = Callable[..., Iterable[ItemLike | tuple[str, bool | None, str]]]


def items(raw: Iterable[ItemLike | tuple[str, bool | None, str]]) -> list[Item]:
    """A check's results as Items (plain tuples and small result types alike)."""
    out = []
    for r in raw:
        name, ok, detail = r if isinstance(r, tuple) else (r.name, r.ok, r.detail)
        out.append(Item(str(name), None if ok is None else bool(ok), str(detail)))
    return out


def could_not_run(err: LabError) -> Item:
    """The one item of a check that could not run at all (the local lab is not running, say)."""
    return Item(f"can run ({err.code})", False, f"{err.message} {err.hint}".strip())


def passed(checked: Iterable[Item]) -> bool:
    """True only when every item passed (a TODO is not a pass)."""
    return all(item.ok for item in checked)


def mark(ok: bool | None) -> str:
    return "[green]PASS[/]" if ok else "[yellow]TODO[/]" if ok is None else "[red]FAIL[/]"


def print_items(checked: Iterable[Item], indent: str = "") -> None:
    for item in checked:
        console.print(f"{indent}{mark(item.ok)} {item.name}: {item.detail}")


def main(check: Check, argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    """Run check(**options) and print its checklist (or --json); exit 0 all passed, 1 otherwise, 2 cannot run."""
    parser = parser or argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true", help="print the items as one JSON document")
    options = vars(parser.parse_args(argv))
    as_json = options.pop("json")
    try:
        checked, code = items(check(**options)), None
    except LabError as err:
        checked, code = [could_not_run(err)], EXIT_ERROR
    if as_json:
        sys.stdout.write(json.dumps({"items": [item._asdict() for item in checked]}) + "\n")
    else:
        print_items(checked)
    return code if code is not None else EXIT_OK if passed(checked) else EXIT_FAILURE
