"""What every benchmark run shares: SIGTERM unwinds like Ctrl-C, a throwaway workdir, the result saved as JSON."""

from __future__ import annotations

import json
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # so the run's finally blocks stop what it started (a lab, DynamoDB Local, the API)


def in_workdir(prefix: str, run: Callable[[Path], T]) -> T:
    """run(a temporary directory), removed afterwards; a SIGTERM stops the run as Ctrl-C would."""
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        return run(Path(tmp))


def save(path: Path, doc: object) -> None:
    """Write the result document (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))
