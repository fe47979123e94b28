"""The SQS handlers over in-memory adapters: exactly one effect per message, poison fails alone.

The handlers are sync Lambda entry points; each test installs an execution environment whose loop
and services (memory store, manual clock) the handler then uses, as it would after a cold start.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from api.adapters.sqs import event_body, hold_expiry_body
from api.domain.model import HoldStatus, SeatStatus
from api.environment import Environment, use_environment
from api.service.ports import OutboxEvent
from api.workers import booking_events, hold_expiry
from api.workers.messages import PoisonMessage, parse_booking_event, parse_hold_expiry
from api.workers.sqs_event import LocalContext, sqs_event
from tests.support.builders import World, book, booking_request, create_hold, make_world

ARN = "arn:aws:sqs:us-east-1:000000000000:hold-expiry"
T0 = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def world() -> Iterator[tuple[World, Environment]]:
    """A fresh in-memory world, installed as this thread's execution environment."""
    loop = asyncio.new_event_loop()
    w = loop.run_until_complete(make_world(hold_ttl=60))
    env = Environment(loop, w.services)
    previous = use_environment(env)
    try:
        yield w, env
    finally:
        use_environment(previous)
        loop.close()


def _message(n: int, body: str, receive_count: int = 1) -> dict[str, Any]:
    """A ReceiveMessage message (the worker turns it into a Lambda record)."""
    return {
        "MessageId": f"m-{n}",
        "ReceiptHandle": f"rh-{n}",
        "Body": body,
        "MD5OfBody": "x",
        "Attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1795600000000"},
        "MessageAttributes": {"type": {"DataType": "String", "StringValue": "t"}},
    }


def _event(*bodies: str) -> dict[str, Any]:
    return sqs_event([_message(i, b) for i, b in enumerate(bodies)], queue_arn=ARN, region="us-east-1")


def _ctx(name: str) -> LocalContext:
    return LocalContext(name, 30, "us-east-1")


def _failed(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def _metrics(out: str) -> Counter[str]:
    """Sum the EMF metrics Powertools printed (one JSON document per invocation)."""
    total: Counter[str] = Counter()
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        doc = json.loads(line)
        if "_aws" not in doc:
            continue
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values = doc[metric["Name"]]
                total[metric["Name"]] += int(sum(values) if isinstance(values, list) else values)
    return total


def _hold(w: World, env: Environment, seats: list[str]) -> str:
    return env.run(create_hold(w, w.show_id, seats)).hold.hold_id


def _expiry_body(env: Environment, w: World, hold_id: str) -> str:
    return hold_expiry_body(env.run(w.services.holds.get(hold_id)))


def test_an_expiry_message_delivered_twice_releases_the_hold_once(
    world: tuple[World, Environment], capsys: pytest.CaptureFixture[str]
) -> None:
    w, env = world
    hold_id = _hold(w, env, ["A1", "A2"])
    w.clock.advance(61)
    body = _expiry_body(env, w, hold_id)
    first = hold_expiry.handler(_event(body), _ctx("hold-expiry"))
    second = hold_expiry.handler(_event(body), _ctx("hold-expiry"))
    assert _failed(first) == []
    assert _failed(second) == []
    assert w.store.holds[hold_id].stored_status is HoldStatus.RELEASED
    seats = w.store.seats[w.show_id]
    assert seats["A1"].status is SeatStatus.AVAILABLE
    assert seats["A2"].status is SeatStatus.AVAILABLE
    assert _metrics(capsys.readouterr().out) == Counter({"HoldsExpired": 1, "HoldExpiryNoops": 1})


def test_a_poison_expiry_message_fails_alone_and_the_rest_of_the_batch_succeeds(
    world: tuple[World, Environment], capsys: pytest.CaptureFixture[str]
) -> None:
    w, env = world
    holds = [_hold(w, env, [seat]) for seat in ("B1", "B2", "B3")]
    w.clock.advance(61)
    bodies = [_expiry_body(env, w, h) for h in holds]
    event = _event(bodies[0], "{not json", bodies[1], json.dumps({"hold_id": "h"}), bodies[2])
    response = hold_expiry.handler(event, _ctx("hold-expiry"))
    assert _failed(response) == ["m-1", "m-3"]
    assert [w.store.holds[h].stored_status for h in holds] == [HoldStatus.RELEASED] * 3
    assert _metrics(capsys.readouterr().out) == Counter({"HoldsExpired": 3, "MessagesFailed": 2})


def test_a_hold_booked_before_its_expiry_message_is_left_untouched(world: tuple[World, Environment]) -> None:
    w, env = world
    hold_id = _hold(w, env, ["C1"])
    env.run(book(w, "k-1", booking_request(hold_id)))
    w.clock.advance(61)
    body = _expiry_body(env, w, hold_id)
    assert _failed(hold_expiry.handler(_event(body), _ctx("hold-expiry"))) == []
    assert w.store.holds[hold_id].stored_status is HoldStatus.BOOKED
    assert w.store.seats[w.show_id]["C1"].status is SeatStatus.BOOKED


def test_expiry_never_frees_a_seat_that_another_hold_took_after_the_expiry(world: tuple[World, Environment]) -> None:
    w, env = world
    old = _hold(w, env, ["D1", "D2"])
    w.clock.advance(61)
    new = _hold(w, env, ["D1"])  # expired holds are free to reads and to new holds at once
    hold_expiry.handler(_event(_expiry_body(env, w, old)), _ctx("hold-expiry"))
    seats = w.store.seats[w.show_id]
    assert seats["D1"].status is SeatStatus.HELD
    assert seats["D1"].hold_id == new
    assert seats["D2"].status is SeatStatus.AVAILABLE
    assert w.store.holds[old].stored_status is HoldStatus.RELEASED


def test_an_early_expiry_message_is_rescheduled_for_the_remaining_time(world: tuple[World, Environment]) -> None:
    w, env = world
    hold_id = _hold(w, env, ["E1"])
    w.clock.advance(20)
    w.scheduler.scheduled.clear()
    hold_expiry.handler(_event(_expiry_body(env, w, hold_id)), _ctx("hold-expiry"))
    assert w.scheduler.scheduled == [(hold_id, 41)]
    assert w.store.holds[hold_id].stored_status is HoldStatus.ACTIVE


def _booking(w: World, env: Environment, seat: str, key: str) -> str:
    hold_id = _hold(w, env, [seat])
    result = env.run(book(w, key, booking_request(hold_id)))
    return result.booking.booking_id


def _confirmed_body(booking_id: str) -> str:
    return event_body(OutboxEvent("evt-1", "booking_confirmed", {"booking_id": booking_id}, T0))


def test_a_booking_event_delivered_twice_sends_one_confirmation(
    world: tuple[World, Environment], capsys: pytest.CaptureFixture[str]
) -> None:
    w, env = world
    booking_id = _booking(w, env, "F1", "k-f1")
    body = _confirmed_body(booking_id)
    assert _failed(booking_events.handler(_event(body), _ctx("booking-events"))) == []
    sent_at = w.store.notices[booking_id].sent_at
    w.clock.advance(5)
    assert _failed(booking_events.handler(_event(body), _ctx("booking-events"))) == []
    notice = w.store.notices[booking_id]
    assert notice.sent_at == sent_at  # the duplicate did not re-send
    booking = w.store.bookings[booking_id]
    assert booking.notification_status == "sent"
    assert booking.reference in notice.subject
    assert "F1" in notice.text
    assert booking.reference in notice.html
    assert _metrics(capsys.readouterr().out) == Counter({"ConfirmationsSent": 1, "DuplicateDeliveries": 1})


def test_poison_booking_events_fail_alone(world: tuple[World, Environment], capsys: pytest.CaptureFixture[str]) -> None:
    w, env = world
    good = [_booking(w, env, seat, f"k-{seat}") for seat in ("G1", "G2")]
    unknown_type = json.dumps({"event_id": "e", "type": "booking_cancelled", "payload": {"booking_id": good[0]}})
    event = _event(
        _confirmed_body(good[0]),
        unknown_type,
        _confirmed_body("bkg_does_not_exist"),
        "[]",
        _confirmed_body(good[1]),
    )
    response = booking_events.handler(event, _ctx("booking-events"))
    assert _failed(response) == ["m-1", "m-2", "m-3"]
    assert all(w.store.bookings[b].notification_status == "sent" for b in good)
    assert _metrics(capsys.readouterr().out) == Counter({"ConfirmationsSent": 2, "MessagesFailed": 3})


def test_the_worker_event_has_the_lambda_sqs_record_shape() -> None:
    record = _event('{"a": 1}')["Records"][0]
    assert record == {
        "messageId": "m-0",
        "receiptHandle": "rh-0",
        "body": '{"a": 1}',
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795600000000"},
        "messageAttributes": {
            "type": {"stringValue": "t", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
        },
        "md5OfBody": "x",
        "eventSource": "aws:sqs",
        "eventSourceARN": ARN,
        "awsRegion": "us-east-1",
    }


def test_message_bodies_written_by_the_sqs_adapter_parse_in_the_handlers(world: tuple[World, Environment]) -> None:
    w, env = world
    hold = env.run(w.services.holds.get(_hold(w, env, ["H1"])))
    parsed = parse_hold_expiry(hold_expiry_body(hold))
    assert (parsed.hold_id, parsed.show_id, parsed.expires_at) == (hold.id, hold.show_id, hold.expires_at)
    event = OutboxEvent("evt-9", "booking_confirmed", {"booking_id": "bkg_1", "reference": "MTB-1"}, T0)
    assert parse_booking_event(event_body(event)).booking_id == "bkg_1"


@pytest.mark.parametrize(
    "body",
    ["", "null", '{"hold_id": "h", "show_id": "s"}', '{"hold_id": "h", "show_id": "s", "expires_at": "2030-01-01"}'],
)
def test_malformed_expiry_bodies_are_poison(body: str) -> None:
    with pytest.raises(PoisonMessage):
        parse_hold_expiry(body)


def test_context_counts_down_the_handler_timeout() -> None:
    ctx = LocalContext("hold-expiry", 30, "eu-west-1")
    assert 29_000 < ctx.get_remaining_time_in_millis() <= 30_000
    assert ctx.invoked_function_arn == "arn:aws:lambda:eu-west-1:000000000000:function:hold-expiry"
