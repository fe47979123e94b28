"""docs/adr/README.md lists every ADR in the folder, once, and nothing that is not there."""

from __future__ import annotations

import re
from pathlib import Path

ADR = Path(__file__).resolve().parents[2] / "docs" / "adr"


def test_the_adr_index_lists_every_record_once() -> None:
    records = sorted(p.name for p in ADR.glob("[0-9][0-9][0-9][0-9]-*.md"))
    listed = re.findall(r"\]\((\d{4}-[^)]+\.md)\)", (ADR / "README.md").read_text())
    assert sorted(listed) == records
