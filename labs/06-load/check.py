"""Lab 06 check: your safe hot-seat run kept every invariant, your unsafe one double-booked and the checker saw it.

Run: labctl labs check 06   (a few seconds: reads ~/.labctl/labs/06 and re-checks your safe run on the local lab)
"""

from __future__ import annotations

import sys
from pathlib import Path

from labctl.labs import checklist
from labctl.labs.answers import Doc, answers_items, lab_file, read_doc, saved
from labctl.labs.checklist import Item
from labctl.load import service


def _invariants(doc: Doc) -> dict[str, dict[str, object]]:
    raw = doc.get("invariants")
    return {str(i["name"]): i for i in raw if isinstance(i, dict)} if isinstance(raw, list) else {}


def check_safe(doc: Doc) -> list[Item]:
    """The safe run: the real lock, every invariant checked and holding; its load log still checks clean."""
    bad = [name for name, inv in _invariants(doc).items() if not inv.get("ok")]
    ok = doc.get("unsafe_locks") is False and bool(_invariants(doc)) and not bad
    items = [Item("your safe run kept every invariant", ok, f"failed: {bad}" if bad else f"{doc.get('out_dir')}")]
    log = Path(str(doc.get("out_dir", ""))) / "load-log.jsonl"
    if ok:
        report = service.check(True, None, None, "us-east-1", log)
        again = [i["name"] for i in report.invariants if not i["ok"]]
        items.append(Item("its load log re-checks clean on the lab's table", not again, f"failed: {again or 'none'}"))
    return items


def check_unsafe(doc: Doc) -> Item:
    """The unsafe run: --unsafe-locks, and the checker found seats booked twice."""
    twice = _invariants(doc).get("no_seat_booked_twice", {})
    count = int(str(twice.get("violation_count", 0) or 0))
    ok = doc.get("unsafe_locks") is True and twice.get("ok") is False and count > 0
    return Item("your unsafe run double-booked and the checker caught it", ok, f"double-booked seats: {count}")


def check() -> list[Item]:
    """Both saved runs, then your answer about the unsafe one."""
    safe_path, unsafe_path = lab_file("06", "safe.json"), lab_file("06", "unsafe.json")
    safe, unsafe = read_doc(safe_path), read_doc(unsafe_path)
    items = [
        saved("safe.json saved (step 4)", safe_path, safe),
        saved("unsafe.json saved (step 3)", unsafe_path, unsafe),
    ]
    items += check_safe(safe) if safe else []
    items += [check_unsafe(unsafe)] if unsafe else []
    if unsafe is None:
        return items
    twice = _invariants(unsafe).get("no_seat_booked_twice", {})
    return items + answers_items(lab_file("06", "answers.json"), {"double_booked_seats": twice.get("violation_count")})


if __name__ == "__main__":
    sys.exit(checklist.main(check))
