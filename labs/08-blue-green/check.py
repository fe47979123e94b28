"""Lab 08 check: you ran a good rollout (promoted, nothing lost) and a broken one (rolled back, blue untouched).

Run: labctl labs check 08   (a second: reads ~/.labctl/labs/08 and the running local lab's state)
"""

from __future__ import annotations

import sys

from labctl.labs import checklist
from labctl.labs.answers import Doc, answers_items, lab_file, read_doc, saved
from labctl.labs.checklist import Item


def _rollout(name: str) -> tuple[Doc | None, Item]:
    path = lab_file("08", name)
    doc = read_doc(path)
    if doc is not None and "rollout_id" not in doc:
        return None, Item(f"{name} saved", False, f"{path} is not `labctl rollout --local --json` output")
    return doc, saved(f"{name} saved", path, doc)


def check_good(doc: Doc) -> Item:
    ok = doc.get("result") == "promoted" and doc.get("failed") == 0
    return Item(
        "the good rollout promoted green and lost no request", ok, f"{doc.get('result')}, failed {doc.get('failed')}"
    )


def check_broken(doc: Doc) -> Item:
    failed_by = doc.get("failed_by")
    blue = failed_by.get("blue") if isinstance(failed_by, dict) else None
    ok = doc.get("result") == "rolled_back" and blue == 0 and doc.get("break_mode") is not None
    return Item(
        "the broken rollout was rolled back, blue failed nothing",
        ok,
        f"{doc.get('result')}: {doc.get('reason')}; failed by blue {blue}",
    )


def check() -> list[Item]:
    """Both saved rollouts, this lab's last rollout being one of them, then the answers."""
    from labctl.local.running import require_running

    lab = require_running()
    good, good_saved = _rollout("good.json")
    broken, broken_saved = _rollout("broken.json")
    items = [good_saved, broken_saved]
    items += [check_good(good)] if good else []
    items += [check_broken(broken)] if broken else []
    if good is None or broken is None:
        return items
    last = (lab.rollout or {}).get("id")
    ids = {good["rollout_id"], broken["rollout_id"]}
    items.append(Item("the running lab's last rollout is one of yours", last in ids, f"last rollout {last}"))
    bake = broken.get("bake")
    expected: dict[str, object] = {
        "broken_failed_requests": broken.get("failed"),
        "broken_green_requests_in_bake": bake.get("green_requests") if isinstance(bake, dict) else None,
        "revision_now": lab.revision,
    }
    return items + answers_items(lab_file("08", "answers.json"), expected)


if __name__ == "__main__":
    sys.exit(checklist.main(check))
