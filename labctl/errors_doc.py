"""docs/errors.md, generated from the registry in labctl/errors.py.

`python -m labctl.errors_doc` (or `make docs`) rewrites it; `--check` exits 1 when it is stale.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from labctl.errors import AREAS, CODES
from labctl.paths import REPO_ROOT

DOC = REPO_ROOT / "docs" / "errors.md"

HEADER = """# labctl error codes

<!-- Generated from labctl/errors.py by `make docs` (python -m labctl.errors_doc): edit the registry, not this file. -->

Every failure labctl reports has a stable snake_case code, one per condition. Without `--json` it is
one line on stderr, `error <code>: <what happened>`, and a `hint:` line saying what to do next for the
case at hand; with `--json` it is one document on stdout:
`{"error": {"code": "...", "message": "...", "hint": "..."}}`. Exit codes: 2 when the command could
not do its job (every code below unless it says otherwise), 1 when it ran and found problems (a check
with failed items, `aborted`, `resources_remain`). A code marked *API* is also the booking API's own
(its codes, in the JSON error envelope of every 4xx, are listed in [api.md](api.md)).

Durations, wherever an option takes one, read the same way: numbers with units `d`, `h`, `m`, `s`,
`ms`, largest first (`90s`, `30m`, `1h30m`, `1h 05m`, `1.5h`); a bare number only where the option
says what it means (`load spike --duration 45` is seconds, `net handshake --rtt 100` milliseconds).
Each option has its own bounds (`up --local --ttl` 1 min-24 h, `up --ttl` on AWS 15 min-12 h).
"""


def render() -> str:
    """The whole of docs/errors.md."""
    parts = [HEADER]
    for area in AREAS:
        parts.append(f"\n## {area.title}\n\n| Code | When | What to do |\n|---|---|---|\n")
        for c in area.codes:
            api = " *API*" if c.api else ""
            parts.append(f"| `{c.code}`{api} | {c.when} | {c.fix} |\n")
    parts.append(f"\n{len(CODES)} codes.\n")
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/errors.md, or with --check report whether it matches the registry."""
    parser = argparse.ArgumentParser(prog="python -m labctl.errors_doc", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/errors.md is stale")
    text = render()
    if parser.parse_args(argv).check:
        current = DOC.read_text() if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is stale: run `make docs`")
            return 1
        return 0
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
