"""docs/threat-model.md names the test behind each mitigation: every one it names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _defines(path: str, test: str) -> bool:
    return re.search(rf"def {test}\(", (REPO / path).read_text()) is not None


def test_every_test_the_threat_model_names_exists() -> None:
    doc = (REPO / "docs" / "threat-model.md").read_text()
    full = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", doc)
    assert len(full) >= 25
    for path, test in full:
        assert (REPO / path).is_file(), path
        assert not test or _defines(path, test), f"{path}::{test}"
    # `, `::test_y`` after a full id names another test of the same file
    for path, rest in re.findall(r"`(tests/[\w/]+\.py)::\w+`((?:, `::\w+`)+)", doc):
        for test in re.findall(r"`::(\w+)`", rest):
            assert _defines(path, test), f"{path}::{test}"
