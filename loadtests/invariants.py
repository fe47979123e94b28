"""The double-booking checker: invariants over the stored data (boto3 scan) and the load log.

Invariants (each reports pass/fail and the offending ids):
  no_seat_booked_twice             no (show, seat) appears in two bookings
  booking_seats_owned              every seat of a booking is stored as booked by that booking
  one_booking_per_idempotency_key  a key never yields two bookings; every booking has exactly one key
  no_refusal_by_expired_hold       no hold attempt was refused because of an expired hold (see below)
  counts_reconcile                 per show: seats stored as booked == sum of the bookings' seats

Expired holds: the API treats a hold past its expiry as free at read time; the stored seat may still
say "held" until the expiry worker runs, so stored status alone proves nothing. The invariant is
checked on the load log instead: every seat named in a 409 seats_unavailable refusal must have been
covered, at that moment, by a live hold (created <= response, and neither expired nor released before
the request) or by a booking made before the response. A refusal nothing covers told a buyer a lie.

Each such violation names the request id (the load log's, which the API kept) and, given the API's log
file, the API's own log line for that refusal: its `evidence` says what DynamoDB answered for each
refused seat (held by which hold until when, booked by which booking, or no seat item at all). A hold
the API names but the table lacks points at the checker; a seat the API calls taken with nothing
behind it points at the API.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests import apilog
from loadtests.recorder import read_log
from loadtests.snapshot import BookingRow, SeatRow, Snapshot, read_table

MAX_LISTED = 100  # violations listed per invariant; the count is always exact
CLOCK_SKEW_MS = 250  # client and server clocks (same host locally; NTP-close on AWS)


@dataclass
class InvariantResult:
    name: str
    checked: int
    violations: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # per violation, where the invariant has any

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "checked": self.checked,
            "violation_count": len(self.violations),
            "violations": self.violations[:MAX_LISTED],
            **({"evidence": self.evidence[:MAX_LISTED]} if self.evidence else {}),
        }


def scope_shows(snap: Snapshot, events: list[dict[str, Any]]) -> set[str]:
    """The shows a run touched (from its log); every show when there is no log."""
    touched = {str(e["show"]) for e in events if e.get("ev") == "hold"}
    return touched or {show for show, _ in snap.seats}


def no_seat_booked_twice(bookings: list[BookingRow]) -> InvariantResult:
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for b in bookings:
        for seat in b.seat_ids:
            owners[(b.show_id, seat)].append(b.id)
    bad = [f"{show}/{seat}: {', '.join(sorted(ids))}" for (show, seat), ids in sorted(owners.items()) if len(ids) > 1]
    return InvariantResult("no_seat_booked_twice", len(owners), bad)


def booking_seats_owned(snap: Snapshot, bookings: list[BookingRow]) -> InvariantResult:
    bad: list[str] = []
    for b in bookings:
        for seat in b.seat_ids:
            row = snap.seats.get((b.show_id, seat))
            if row is None:
                bad.append(f"{b.id}: {b.show_id}/{seat} does not exist")
            elif row.status != "booked" or row.booking_id != b.id:
                owner = row.booking_id or row.hold_id or "-"
                bad.append(f"{b.id}: {b.show_id}/{seat} is {row.status} by {owner}")
    return InvariantResult("booking_seats_owned", sum(len(b.seat_ids) for b in bookings), bad)


def one_booking_per_idempotency_key(
    snap: Snapshot, bookings: list[BookingRow], events: list[dict[str, Any]]
) -> InvariantResult:
    bad: list[str] = []
    by_key: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.get("ev") == "book" and e.get("status") == 201 and e.get("booking_id"):
            by_key[str(e["key"])].add(str(e["booking_id"]))
    bad += [f"key {k}: bookings {', '.join(sorted(ids))}" for k, ids in sorted(by_key.items()) if len(ids) > 1]
    all_bookings = {b.id for b in snap.bookings}
    confirmed = {b for ids in by_key.values() for b in ids}
    bad += [f"booking {b} was confirmed to the client but is not stored" for b in sorted(confirmed - all_bookings)]
    keys_of: dict[str, list[str]] = defaultdict(list)
    for row in snap.idem:
        if row.state == "completed" and row.booking_id:
            keys_of[row.booking_id].append(row.key)
            if row.booking_id not in all_bookings:
                bad.append(f"key {row.key}: completed with booking {row.booking_id}, which is not stored")
    for b in bookings:
        keys = keys_of.get(b.id, [])
        if len(keys) != 1:
            bad.append(f"booking {b.id}: {len(keys)} idempotency keys ({', '.join(sorted(keys)) or 'none'})")
    return InvariantResult("one_booking_per_idempotency_key", len(bookings) + len(by_key), bad)


def no_refusal_by_expired_hold(
    snap: Snapshot, events: list[dict[str, Any]], skew_ms: int = CLOCK_SKEW_MS, api_log: Path | None = None
) -> InvariantResult:
    covers: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for h in snap.holds:
        for seat in h.seat_ids:
            covers[(h.show_id, seat)].append((h.created_ms, h.live_until_ms))
    never = 2**62
    for b in snap.bookings:
        for seat in b.seat_ids:
            covers[(b.show_id, seat)].append((b.created_ms, never))
    result = InvariantResult("no_refusal_by_expired_hold", 0)
    for e in events:
        if e.get("ev") != "hold" or e.get("status") != 409 or e.get("code") != "seats_unavailable":
            continue
        t0, t1, show = int(e["t0"]), int(e["t1"]), str(e["show"])
        for seat in e.get("conflict") or []:
            result.checked += 1
            spans = covers.get((show, seat), [])
            if not any(start <= t1 + skew_ms and end > t0 - skew_ms for start, end in spans):
                rid = str(e.get("rid") or "")
                stored = _stored(snap.seats.get((show, seat)))
                result.violations.append(
                    f"{show}/{seat}: refused at {t0} (request {rid or '?'}) with no live hold or booking; "
                    f"stored now: {stored}"
                )
                result.evidence.append({"request_id": rid, "show": show, "seat": seat, "t0": t0, "t1": t1})
    lines = apilog.lines_for(api_log, (ev["request_id"] for ev in result.evidence))
    for ev in result.evidence:
        ev["api_log"] = lines.get(ev["request_id"])
    return result


def _stored(row: SeatRow | None) -> str:
    if row is None:
        return "no seat item"
    owner = row.booking_id or row.hold_id
    return f"{row.status} by {owner}" if owner else row.status


def counts_reconcile(snap: Snapshot, shows: Iterable[str], bookings: list[BookingRow]) -> InvariantResult:
    booked: dict[str, int] = defaultdict(int)
    for (show, _), row in snap.seats.items():
        if row.status == "booked":
            booked[show] += 1
    claimed: dict[str, int] = defaultdict(int)
    for b in bookings:
        claimed[b.show_id] += len(b.seat_ids)
    shows = sorted(set(shows))
    bad = [
        f"{s}: {booked[s]} seats stored as booked, bookings account for {claimed[s]}"
        for s in shows
        if booked[s] != claimed[s]
    ]
    return InvariantResult("counts_reconcile", len(shows), bad)


def check(snap: Snapshot, events: list[dict[str, Any]], api_log: Path | None = None) -> list[InvariantResult]:
    """Every invariant over the shows the run touched (all shows without a log); api_log: the API's log file."""
    shows = scope_shows(snap, events)
    bookings = [b for b in snap.bookings if b.show_id in shows]
    return [
        no_seat_booked_twice(bookings),
        booking_seats_owned(snap, bookings),
        one_booking_per_idempotency_key(snap, bookings, events),
        no_refusal_by_expired_hold(snap, events, api_log=api_log),
        counts_reconcile(snap, shows, bookings),
    ]


def check_run(
    table: str, *, endpoint_url: str | None, region: str, log_path: Path | None, api_log: Path | None = None
) -> list[InvariantResult]:
    """Read the table and the load log, then check every invariant (api_log: quote the API's log lines)."""
    events = read_log(log_path) if log_path else []
    return check(read_table(table, endpoint_url=endpoint_url, region=region), events, api_log)
