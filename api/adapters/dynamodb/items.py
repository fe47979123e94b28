"""Item layout of the single table (see docs/data-model.md) and AttributeValue conversion.

Parsing is hand-written on purpose: boto3's TypeDeserializer costs ~4.5 ms for a 120-seat map.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.domain.model import Booking, Customer, Hold, HoldStatus, Movie, Notice, SeatState, SeatStatus, Show

Item = dict[str, Any]  # a low-level DynamoDB item: {"attr": {"S": "..."}}

CATALOG_PK = "CATALOG"
OUTBOX_PENDING = "OUTBOX#PENDING"


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def from_ms(value: str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def s(v: str) -> dict[str, str]:
    return {"S": v}


def n(v: int | float) -> dict[str, str]:
    return {"N": str(v)}


def show_pk(show_id: str) -> str:
    return f"SHOW#{show_id}"


def key(pk: str, sk: str) -> Item:
    return {"PK": s(pk), "SK": s(sk)}


def seat_key(show_id: str, seat_id: str) -> Item:
    return key(show_pk(show_id), f"SEAT#{seat_id}")


def hold_key(hold_id: str) -> Item:
    return key(f"HOLD#{hold_id}", "META")


def booking_key(booking_id: str) -> Item:
    return key(f"BOOKING#{booking_id}", "META")


def notice_key(booking_id: str) -> Item:
    return key(f"BOOKING#{booking_id}", "NOTICE")


def idem_key(idempotency_key: str) -> Item:
    return key(f"IDEM#{idempotency_key}", "META")


# -- catalog ------------------------------------------------------------------------------------
def movie_item(m: Movie) -> Item:
    return {
        **key(CATALOG_PK, f"MOVIE#{m.id}"),
        "type": s("movie"),
        "id": s(m.id),
        "title": s(m.title),
        "synopsis": s(m.synopsis),
        "duration_minutes": n(m.duration_minutes),
        "rating": s(m.rating),
        "genres": {"L": [s(g) for g in m.genres]},
    }


def parse_movie(it: Item) -> Movie:
    return Movie(
        it["id"]["S"],
        it["title"]["S"],
        it["synopsis"]["S"],
        int(it["duration_minutes"]["N"]),
        it["rating"]["S"],
        tuple(g["S"] for g in it["genres"]["L"]),
    )


def show_item(sh: Show) -> Item:
    starts = sh.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        **key(show_pk(sh.id), "META"),
        "type": s("show"),
        "id": s(sh.id),
        "movie_id": s(sh.movie_id),
        "screen": s(sh.screen),
        "starts_at": s(starts),
        "price_cents": n(sh.price_cents),
        "currency": s(sh.currency),
        "rows": s(sh.rows),
        "seats_per_row": n(sh.seats_per_row),
        "GSI1PK": s(f"MOVIE#{sh.movie_id}"),
        "GSI1SK": s(f"{starts}#{sh.id}"),
    }


def parse_show(it: Item) -> Show:
    starts = datetime.strptime(it["starts_at"]["S"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return Show(
        it["id"]["S"],
        it["movie_id"]["S"],
        it["screen"]["S"],
        starts,
        int(it["price_cents"]["N"]),
        it["currency"]["S"],
        it["rows"]["S"],
        int(it["seats_per_row"]["N"]),
    )


def seat_item(show_id: str, seat_id: str) -> Item:
    return {**seat_key(show_id, seat_id), "type": s("seat"), "status": s(SeatStatus.AVAILABLE.value)}


_SEAT_STATUS = {st.value: st for st in SeatStatus}  # a dict lookup: SeatStatus(value) costs ~1 us x 120 seats


def parse_seat(it: Item) -> SeatState:
    # Runs 120 times per seat-map load: positional arguments, no datetime for free seats.
    hold_exp = it.get("hold_expires_at")
    hold_id = it.get("hold_id")
    booking_id = it.get("booking_id")
    return SeatState(
        it["SK"]["S"][5:],
        _SEAT_STATUS[it["status"]["S"]],
        hold_id["S"] if hold_id else None,
        from_ms(hold_exp["N"]) if hold_exp else None,
        booking_id["S"] if booking_id else None,
    )


# -- holds and bookings -------------------------------------------------------------------------
def hold_item(h: Hold, ttl_grace_seconds: int = 86400) -> Item:
    return {
        **hold_key(h.id),
        "type": s("hold"),
        "id": s(h.id),
        "show_id": s(h.show_id),
        "seat_ids": {"L": [s(x) for x in h.seat_ids]},
        "created_at": n(ms(h.created_at)),
        "expires_at": n(ms(h.expires_at)),
        "status": s(h.stored_status.value),
        "token_digest": s(h.token_digest),
        "ttl": n(int(h.expires_at.timestamp()) + ttl_grace_seconds),
    }


def parse_hold(it: Item) -> Hold:
    return Hold(
        id=it["id"]["S"],
        show_id=it["show_id"]["S"],
        seat_ids=tuple(x["S"] for x in it["seat_ids"]["L"]),
        created_at=from_ms(it["created_at"]["N"]),
        expires_at=from_ms(it["expires_at"]["N"]),
        stored_status=HoldStatus(it["status"]["S"]),
        booking_id=it["booking_id"]["S"] if "booking_id" in it else None,
        token_digest=it["token_digest"]["S"] if "token_digest" in it else "",
    )


def booking_item(b: Booking) -> Item:
    return {
        **booking_key(b.id),
        "type": s("booking"),
        "id": s(b.id),
        "reference": s(b.reference),
        "show_id": s(b.show_id),
        "hold_id": s(b.hold_id),
        "seat_ids": {"L": [s(x) for x in b.seat_ids]},
        "total_cents": n(b.total_cents),
        "currency": s(b.currency),
        "customer_name": s(b.customer.name),
        "customer_email": s(b.customer.email),
        "payment_id": s(b.payment_id),
        "created_at": n(ms(b.created_at)),
        "status": s(b.status),
        "notification_status": s(b.notification_status),
        "token_digest": s(b.token_digest),
    }


def parse_booking(it: Item) -> Booking:
    sent = it.get("notification_sent_at")
    return Booking(
        id=it["id"]["S"],
        reference=it["reference"]["S"],
        show_id=it["show_id"]["S"],
        hold_id=it["hold_id"]["S"],
        seat_ids=tuple(x["S"] for x in it["seat_ids"]["L"]),
        total_cents=int(it["total_cents"]["N"]),
        currency=it["currency"]["S"],
        customer=Customer(it["customer_name"]["S"], it["customer_email"]["S"]),
        payment_id=it["payment_id"]["S"],
        created_at=from_ms(it["created_at"]["N"]),
        status=it["status"]["S"],
        notification_status=it["notification_status"]["S"],
        notification_sent_at=from_ms(sent["N"]) if sent else None,
        token_digest=it["token_digest"]["S"] if "token_digest" in it else "",
    )


def notice_item(nt: Notice) -> Item:
    return {
        **notice_key(nt.booking_id),
        "type": s("notice"),
        "booking_id": s(nt.booking_id),
        "to": s(nt.to),
        "subject": s(nt.subject),
        "text": s(nt.text),
        "html": s(nt.html),
        "sent_at": n(ms(nt.sent_at)),
    }


def parse_notice(it: Item) -> Notice:
    return Notice(
        it["booking_id"]["S"],
        it["to"]["S"],
        it["subject"]["S"],
        it["text"]["S"],
        it["html"]["S"],
        from_ms(it["sent_at"]["N"]),
    )
