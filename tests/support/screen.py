"""What a command prints on a terminal of a given width, and the checks every reporting command passes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pytest

from labctl.output import console

_NUMBERS = re.compile(r"\d+(\.\d+)?")


def rendered(render: Callable[[], object], width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run render() against labctl's console at `width` columns and return the text it printed."""
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("LINES", "50")
    with console.capture() as capture:
        render()
    return capture.get()


def assert_fits(text: str, width: int, whole: Iterable[str] = ()) -> None:
    """No line is wider than the terminal, and each of `whole` (units, labels, figures) sits on one line.

    The one exception is a line holding an identifier longer than the screen (an ARN): it is printed whole so
    it copies whole, and the terminal folds it.
    """
    lines = text.splitlines()
    assert lines, "nothing was printed"
    too_wide = [line for line in lines if len(line.rstrip()) > width and max(map(len, line.split())) <= width]
    assert not too_wide, f"wider than {width} columns: {too_wide[:3]}"
    for item in whole:
        assert any(item in line for line in lines), f"{item!r} is not on one line (wrapped or missing):\n{text}"


def normalized(text: str) -> str:
    """Trailing spaces dropped (Rich pads table rows), for comparing against a golden file."""
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def numbers_blurred(text: str) -> str:
    """Digits replaced by `9`: a layout comparison that does not break on a new price or timing."""
    return _NUMBERS.sub("9", text)
