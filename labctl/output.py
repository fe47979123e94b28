"""Console output, --json rendering and the one error type every command raises.

Every command has one shape: `Annotated` options -> logic returns a typed result -> `emit(result,
as_json, render)` prints it (its JSON document, or `render(result)` on the console) and exits with the
result's exit code. Every user-facing failure is a LabError(code, message, hint): printed on one line
to stderr (or as a JSON envelope with --json) and turned into a non-zero exit code. No stack traces.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn, Protocol, TypeVar, runtime_checkable

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

EXIT_OK = 0
EXIT_FAILURE = 1  # the check ran and found problems (e.g. warnings, invariant violations)
EXIT_ERROR = 2  # the command could not do its job (bad input, unreachable target, missing tool)

JsonDoc = Mapping[str, object] | Sequence[object]


class Result(Protocol):
    """What a command's logic returns: a typed value with one --json document."""

    def to_json(self) -> JsonDoc: ...


@runtime_checkable
class Graded(Protocol):
    """A result that decides the exit code (a check that found problems exits 1, say)."""

    @property
    def exit_code(self) -> int: ...


R = TypeVar("R", bound=Result)


@dataclass
class LabError(Exception):
    """A failure the user can act on: stable snake_case code, what happened, what to do next."""

    code: str
    message: str
    hint: str = ""
    exit_code: int = EXIT_ERROR

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


def report_table(title: str | None = None) -> Table:
    """The house table of a report: a rule under the header and no frame, so 80 columns go to the figures."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def print_json(payload: object) -> None:
    """Write one JSON document to stdout (no Rich markup, stable key order)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
    sys.stdout.flush()


def emit(result: R, as_json: bool, render: Callable[[R], object]) -> None:
    """Print result (its JSON document with --json, else render(result)); exit with its exit code if not 0."""
    if as_json:
        print_json(result.to_json())
    else:
        render(result)
    code = result.exit_code if isinstance(result, Graded) else EXIT_OK
    if code != EXIT_OK:
        raise SystemExit(code)


def print_error(err: LabError) -> None:
    """The error as people read it: one line on stderr, and its hint."""
    err_console.print(f"[bold red]error[/] [red]{err.code}[/]: {escape(err.message)}")
    if err.hint:
        err_console.print(f"  [dim]hint:[/] {escape(err.hint)}")


def fail(err: LabError, *, as_json: bool = False) -> NoReturn:
    """Report err on stderr (or stdout as JSON) and exit with its code."""
    if as_json:
        print_json(err.as_dict())
    else:
        print_error(err)
    raise SystemExit(err.exit_code)


@contextmanager
def reporting(*, as_json: bool = False) -> Iterator[None]:
    """Turn a LabError raised inside the block into a clean message and exit code."""
    try:
        yield
    except LabError as err:
        fail(err, as_json=as_json)
