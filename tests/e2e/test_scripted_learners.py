"""Scripted learners for the labs that run against the local lab: each check fails on a fresh lab (no
files saved, nothing done) and passes after the README's steps. They share the session's labs
(tests/e2e/conftest.py); each learner's files go in that lab's LABCTL_HOME/labs/NN, wiped first.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from labctl.labs.checklist import Item
from labctl.output import LabError
from tests.e2e.conftest import Lab
from tests.support.labs import load_check, not_done, verdict

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]


def _learner(lab: Lab, number: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the checks at `lab` and give the learner an empty $LABCTL_HOME/labs/NN."""
    monkeypatch.setenv("LABCTL_HOME", str(lab.home))
    work = lab.home / "labs" / number
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    deadline, status = time.monotonic() + 90, 0  # a lab that just started may still be loading its catalog
    while time.monotonic() < deadline and status != 200:
        status = httpx.get(f"{lab.url}/api/movies", timeout=10).status_code
        time.sleep(0 if status == 200 else 1)
    assert status == 200, f"{lab.url}/api/movies answered {status}"
    return work


def _first_show(api: httpx.Client) -> str:
    movie = api.get("/api/movies").json()["items"][0]["id"]
    return str(api.get(f"/api/movies/{movie}/shows").json()["items"][0]["id"])


def _book(api: httpx.Client, show: str, name: str) -> httpx.Response:
    """Hold a free seat and book it with the test card, as the UI does."""
    hold = api.post(f"/api/shows/{show}/holds", json={"seat_ids": [_free_seat(api, show)]})
    assert hold.status_code == 201, hold.text
    body = {
        "hold_id": hold.json()["hold_id"],
        "customer": {"name": name, "email": "learner@example.com"},
        "payment": {"token": "tok_visa"},
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex, "Authorization": f"Bearer {hold.json()['hold_token']}"}
    return api.post("/api/bookings", json=body, headers=headers)


def _free_seat(api: httpx.Client, show: str) -> str:
    seats = api.get(f"/api/shows/{show}/seats").json()["seats"]
    return str(next(s["id"] for s in reversed(seats) if s["status"] == "available"))


@pytest.fixture(scope="module")
def rollouts(local_lab: Lab) -> dict[str, str]:
    """Lab 08's two rollouts, run once: the good and the broken one's --json documents."""
    docs = {}
    for name, extra in (("good", []), ("broken", ["--break-green"])):
        # a learner whose good rollout was rolled back (green slow on a busy machine) runs it again
        for _ in range(2 if name == "good" else 1):
            args = ["rollout", "--local", "--duration", "5s", "--bake", "5s", "--rps", "20", *extra, "--json"]
            docs[name] = local_lab.run(*args, timeout=120).stdout
            if json.loads(docs[name]).get("result") == "promoted":
                break
    return docs


def test_lab08_fails_fresh_and_passes_after_a_good_and_a_broken_rollout(
    local_lab: Lab, rollouts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _learner(local_lab, "08", monkeypatch)
    lab = load_check("08-blue-green")
    ok, checked = verdict(lab)
    assert (ok, [i.ok for i in checked]) == (False, [None, None])

    (work / "good.json").write_text(rollouts["good"])
    (work / "broken.json").write_text(rollouts["broken"])
    broken = json.loads(rollouts["broken"])
    answers = {
        "broken_failed_requests": broken["failed"],
        "broken_green_requests_in_bake": broken["bake"]["green_requests"],
        "revision_now": local_lab.state()["revision"],
    }
    (work / "answers.json").write_text(json.dumps({**answers, "revision_now": 1000}))
    ok, checked = verdict(lab)
    assert [i.name for i in checked if not i.ok] == ["answer: revision_now"]
    (work / "answers.json").write_text(json.dumps(answers))
    ok, checked = verdict(lab)
    assert ok, not_done(checked)
    assert len(checked) == 8


def test_lab10_live_half_fails_fresh_and_passes_after_the_probes(
    local_lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _learner(local_lab, "10", monkeypatch)
    lab = load_check("10-security")
    [fresh] = lab.check_probes(local_lab.url, work / "probes.json")
    assert fresh.ok is None

    with httpx.Client(base_url=local_lab.url, timeout=10) as api:  # the learner sends each probe, notes the answer
        show = _first_show(api)
        seen = {name: dict(zip(("status", "code"), lab.probe(api, show, name), strict=True)) for name in lab.PROBES}
    (work / "probes.json").write_text(json.dumps({**seen, "not_json": {"status": 400, "code": "bad_request"}}))
    checked = lab.check_probes(local_lab.url, work / "probes.json")
    assert [i.name for i in checked if not i.ok] == ["probe not_json"]
    (work / "probes.json").write_text(json.dumps(seen))
    checked = lab.check_probes(local_lab.url, work / "probes.json")
    assert all(i.ok for i in checked), not_done(checked)
    assert seen["encoded_path"] == {"status": 400, "code": "non_canonical_path"}


def test_lab00_fails_fresh_and_passes_after_the_three_exercises(
    short_hold_lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    _learner(short_hold_lab, "00", monkeypatch)
    lab = load_check("00-local-lab")
    ok, checked = verdict(lab)
    assert not ok
    assert checked[-1].ok is None  # exercise 3: nobody killed this lab's API yet

    with httpx.Client(base_url=short_hold_lab.url, timeout=10) as api:  # exercises 1 and 2
        show = _first_show(api)
        booking = _book(api, show, "Lab 00")
        assert booking.status_code == 201, booking.text
        hold = api.post(f"/api/shows/{show}/holds", json={"seat_ids": [_free_seat(api, show)]}).json()
        deadline = time.monotonic() + 30  # left to run out (TTL 5 s), then released by the worker
        while time.monotonic() < deadline and api.get(f"/api/holds/{hold['hold_id']}").json()["status"] != "released":
            time.sleep(0.5)
    os.kill(short_hold_lab.state()["services"]["api"]["pid"], signal.SIGKILL)  # exercise 3
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            ok, checked = verdict(lab)
        except LabError as err:  # the front door answers 502 until the supervisor has restarted the API
            ok, checked = False, [Item("can run", False, str(err))]
        if ok:
            break
        time.sleep(1)
    assert ok, not_done(checked)
    short_hold_lab.pids.append(short_hold_lab.state()["services"]["api"]["pid"])  # the teardown checks it too


def test_lab02_booking_and_hold_items_fail_fresh_and_pass_after_the_steps(
    short_hold_lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _learner(short_hold_lab, "02", monkeypatch)
    lab = load_check("02-async")
    _, checked = verdict(lab)
    assert [i.ok for i in checked[:2]] == [None, None]
    assert [i.ok for i in checked[3:]] == [None]

    with httpx.Client(base_url=short_hold_lab.url, timeout=10) as api:
        show = _first_show(api)
        held = api.post(f"/api/shows/{show}/holds", json={"seat_ids": [_free_seat(api, show)]}).json()
        booking = _book(api, show, "Lab 02").json()
        (work / "answers.json").write_text(
            json.dumps(
                {
                    "hold_id": held["hold_id"],
                    "booking_id": booking["booking_id"],
                    "booking_token": booking["booking_token"],
                    "max_receive_count": 3,
                }
            )
        )
        deadline = time.monotonic() + 30  # TTL 5 s + 1 s delay + the worker's poll
        while time.monotonic() < deadline and api.get(f"/api/holds/{held['hold_id']}").json()["status"] != "released":
            time.sleep(0.5)
    _, checked = verdict(lab)
    assert [i.ok for i in checked[:2]] == [True, True], not_done(checked)
    assert checked[3].ok is True


def _slo(lab: Lab, *args: str) -> dict[str, Any]:
    done = lab.run("slo", "report", "--local", *args, "--json")
    assert done.stdout, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def _availability_alerts(doc: dict[str, Any]) -> list[str]:
    return list(next(s for s in doc["slos"] if s["name"] == "availability")["alerts"])


def test_lab12_live_half_fails_fresh_and_passes_after_the_query_and_the_alerts(
    local_lab: Lab, rollouts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _learner(local_lab, "12", monkeypatch)
    lab = load_check("12-observability")
    api_log = local_lab.home / "local" / "logs" / "api.log"
    prefix = f"lab12-{uuid.uuid4().hex[:6]}-"
    monkeypatch.setattr(lab, "TAG", prefix)  # this session's learner, apart from any earlier one
    assert [i.ok for i in lab.check_logs(api_log)] == [None]
    assert [i.ok for i in lab.check_alerts()] == [None, None]

    with httpx.Client(base_url=local_lab.url, timeout=10) as api:
        for i in range(4):
            assert api.get("/api/movies/no-such-movie", headers={"X-Request-Id": f"{prefix}{i:03d}"}).status_code == 404
    time.sleep(0.5)  # the access line is written after the response
    answers = {"tagged_requests": 4, "tagged_status": 404, "tagged_error_code": "movie_not_found"}
    (work / "answers.json").write_text(json.dumps(answers))
    assert all(i.ok for i in lab.check_logs(api_log)), not_done(lab.check_logs(api_log))

    # the broken rollout's 503s reach the lab's CloudWatch within the shipper's flush; the alert fires
    deadline, firing = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        firing = _slo(local_lab)
        if _availability_alerts(firing):
            break
        time.sleep(3)
    (work / "firing.json").write_text(json.dumps(firing))
    # the learner evaluates a window that starts the minute after the incident (metrics are per minute)
    ended = max(e["at"] for e in json.loads(rollouts["broken"])["events"])
    since = datetime.fromtimestamp(ended, UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    time.sleep(max(0.0, (since - datetime.now(UTC)).total_seconds() + 1))
    cleared = _slo(local_lab, "--since", since.strftime("%Y-%m-%dT%H:%M:%S"))
    (work / "cleared.json").write_text(json.dumps(firing))  # a mistake first: the same report twice
    assert [i.ok for i in lab.check_alerts()] == [True, True, True, False]
    (work / "cleared.json").write_text(json.dumps(cleared))
    checked = lab.check_alerts()
    assert all(i.ok for i in checked), not_done(checked)
