"""Locust entry point: `locust -f loadtests/locustfile.py --scenario spike --load-users 300 ...`.

`labctl load spike` runs this headless. Extra options: --scenario, --load-users, --duration-s,
--out-dir (load log, live stats and summary are written there). Pick the user class by name
on the command line: ReleaseDayUser (spike, steady), HotSeatUser (hot-seat), HealthUser (baseline).

Distributed (`--master` and `--worker` processes): each worker records its own requests, works out the
phase from the shared plan, and at the stop sends everything to the master, which merges it and writes
the same load log and summary as a single process does.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

import gevent
from locust import LoadTestShape, events

from loadtests import shapes
from loadtests.journeys import CTX, HotSeatUser, ReleaseDayUser
from loadtests.readers import HealthReader, HealthUser, SeatMapReader
from loadtests.recorder import Recorder, is_failure

__all__ = ["HealthReader", "HealthUser", "HotSeatUser", "ReleaseDayShape", "ReleaseDayUser", "SeatMapReader"]

EVENTS: Any = events  # Locust's event hooks are untyped; one Any keeps mypy --strict quiet
STATE: dict[str, Any] = {"phase": "starting", "started": 0.0, "failures": 0, "role": "local", "reports": 0}
RESULTS = "labctl_results"  # the message a worker sends its master at the stop
STOP = "labctl_stop"  # the master's request for them (headless Locust ends with quit(), which sends no stop)
REPORT_WAIT_S = 30.0
HEARTBEAT_LIVENESS_S = 15


def _options(parser: Any) -> None:
    parser.add_argument("--scenario", choices=shapes.SCENARIOS, default="steady", help="load shape")
    parser.add_argument("--load-users", type=int, default=50, help="peak simulated users")
    parser.add_argument("--duration-s", type=float, default=60.0, help="run length in seconds")
    parser.add_argument("--out-dir", default="", help="where the load log, live stats and summary go")
    parser.add_argument("--fight-shows", type=int, default=20, help="fresh shows hot-seat may move through")


class ReleaseDayShape(LoadTestShape):
    """Users over time for --scenario (see loadtests.shapes.plan)."""

    def tick(self) -> tuple[int, float] | None:
        me: Any = self
        opts = me.runner.environment.parsed_options
        step = shapes.plan(opts.scenario, opts.load_users, opts.duration_s, float(me.get_run_time()))
        if step is None:
            STATE["phase"] = "done"
            return None
        STATE["phase"] = step.phase
        return step.users, step.spawn_rate


def _get(host: str, path: str) -> Any:
    if not host.startswith(("http://", "https://")):
        raise ValueError(f"--host must be an http(s) URL, not {host[:40]!r}")
    # the scheme is checked above: no file:// or custom scheme reaches urlopen
    with urllib.request.urlopen(f"{host}{path}", timeout=60) as resp:  # noqa: S310  # nosec B310
        return json.loads(resp.read())


def _load_catalog(host: str, fight_shows: int) -> None:
    movies = [m["id"] for m in _get(host, "/api/movies")["items"]]
    # One listing per movie, concurrently: each undated listing computes every show's seat counts.
    jobs = {m: gevent.spawn(_get, host, f"/api/movies/{m}/shows") for m in movies}
    gevent.joinall(list(jobs.values()), raise_error=True)
    listed = {m: job.value["items"] for m, job in jobs.items()}
    shows = sorted((s for items in listed.values() for s in items), key=lambda s: s["id"])
    CTX.shows = [s["id"] for s in shows]
    CTX.dates = sorted({s["starts_at"][:10] for s in shows})
    # Latest shows first (the least likely to carry earlier runs' data); fresh = no seat held or booked.
    fresh = [s["id"] for s in reversed(shows) if s["seats_available"] == s["seats_total"]]
    if not fresh:  # every show has been used: the checker will also see earlier runs' bookings
        fresh = [s["id"] for s in sorted(shows, key=lambda s: -int(s["seats_available"]))[:fight_shows]]
    CTX.fresh = fresh
    CTX.fight_shows = fresh[:fight_shows]


def _out(env: Any, name: str) -> Path | None:
    out = env.parsed_options.out_dir
    return Path(out) / name if out else None


def _init(environment: Any, **_: Any) -> None:
    from locust import runners
    from locust.runners import MasterRunner, WorkerRunner

    # Locust calls a worker missing after 3 silent seconds; on two cores shared with the system under
    # test a worker busy starting its users can be silent that long. Missing ends the whole run.
    runners.HEARTBEAT_LIVENESS = HEARTBEAT_LIVENESS_S
    if isinstance(environment.runner, MasterRunner):
        STATE["role"] = "master"
        environment.runner.register_message(RESULTS, _absorb)
    elif isinstance(environment.runner, WorkerRunner):
        STATE["role"] = "worker"
        environment.runner.register_message(STOP, lambda environment, **_: environment.runner.stop())


def _absorb(environment: Any, msg: Any, **_: Any) -> None:
    """Master: one worker's requests, load log and catalog choice, merged into this process's recorder."""
    CTX.recorder.absorb(msg.data)
    STATE["fresh"] = max(int(STATE.get("fresh", 0)), int(msg.data["fresh"]))
    CTX.fight_shows = CTX.fight_shows or list(msg.data["fight_shows"])
    STATE["reports"] += 1


def _start(environment: Any, **_: Any) -> None:
    opts = environment.parsed_options
    STATE["started"] = time.time()  # first: the summary's duration must not depend on the catalog
    STATE["env"] = environment
    role = STATE["role"]
    CTX.recorder = Recorder(
        None if role == "worker" else _out(environment, "load-log.jsonl"), keep_log=role == "worker"
    )
    if role != "master":  # the master runs no users
        try:
            _load_catalog(environment.host.rstrip("/"), opts.fight_shows)
        except (OSError, ValueError, KeyError) as err:
            # The baseline (HealthUser) needs no catalog; the other users will have no shows to pick.
            logging.getLogger("loadtests").error("catalog discovery failed: %s", err)
    if role != "worker":
        STATE["room_enabled"] = _room_enabled(environment.host.rstrip("/"))
        start = {"ev": "start", "t": int(STATE["started"] * 1000), "scenario": opts.scenario}
        CTX.recorder.log(start | {"fight_shows": CTX.fight_shows})
        live = _out(environment, "live.json")
        if live is not None:
            gevent.spawn(_write_live, environment, live)


def _room_enabled(host: str) -> bool:
    """Whether the target's waiting room is on (an API without one has no /api/waiting-room)."""
    try:
        return bool(_get(host, "/api/waiting-room").get("enabled"))
    except (OSError, ValueError, AttributeError):
        return False


def _phase() -> str:
    """The load shape runs where the users are, except on a worker: there it follows the same plan."""
    if STATE["role"] != "worker":
        return str(STATE["phase"])
    opts = STATE["env"].parsed_options
    step = shapes.plan(opts.scenario, opts.load_users, opts.duration_s, time.time() - STATE["started"])
    return step.phase if step else "done"


def _request(name: str, response_time: float, response: Any = None, **_: Any) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    if is_failure(status):
        STATE["failures"] += 1
    headers = getattr(response, "headers", None) or {}
    code = headers.get("x-error-code") or headers.get("X-Error-Code")
    CTX.recorder.request(name, status, float(response_time), _phase(), str(code) if code else None)


def _live(environment: Any) -> dict[str, Any]:
    total = environment.stats.total
    return {
        "elapsed_s": round(time.time() - STATE["started"], 1),
        "phase": STATE["phase"],
        "users": environment.runner.user_count if environment.runner else 0,
        "rps": round(total.current_rps, 1),
        "p95_ms": total.get_current_response_time_percentile(0.95) or 0,
        "requests": total.num_requests,
        # a master sees no request events: Locust's own failure count (non-2xx it was not told to accept)
        "failures": total.num_failures if STATE["role"] == "master" else STATE["failures"],
    }


def _write_live(environment: Any, path: Path) -> None:
    while True:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(_live(environment)))
        os.replace(tmp, path)
        gevent.sleep(1.0)


def _stop(environment: Any, **_: Any) -> None:
    if STATE["role"] == "worker":
        if not STATE.get("reported"):
            STATE["reported"] = True
            report = CTX.recorder.export() | {"fresh": len(CTX.fresh), "fight_shows": CTX.fight_shows}
            environment.runner.send_message(RESULTS, report)
            CTX.recorder.close()
        return
    opts = environment.parsed_options
    ended = time.time()
    if STATE["role"] == "master":
        environment.runner.send_message(STOP)  # every worker stops its users and reports
        deadline = time.monotonic() + REPORT_WAIT_S
        while STATE["reports"] < opts.expect_workers and time.monotonic() < deadline:
            gevent.sleep(0.1)  # the workers' results arrive on the master's message loop meanwhile
    duration = max(0.001, ended - STATE["started"]) if STATE["started"] else 0.0
    CTX.recorder.log({"ev": "stop", "t": int(ended * 1000)})
    CTX.recorder.close()
    summary = _out(environment, "summary.json")
    if summary is not None:
        payload = {
            "scenario": opts.scenario,
            "users": opts.load_users,
            "duration_s": round(duration, 1),
            "started_ms": int(STATE["started"] * 1000),
            "ended_ms": int(ended * 1000),
            "fresh_shows": len(CTX.fresh) or STATE.get("fresh", 0),
            "fight_shows": CTX.fight_shows,
            "endpoints": CTX.recorder.summary(duration),
            "total": CTX.recorder.total.summary("Aggregated", duration),
            "waiting_room": CTX.recorder.room.summary(bool(STATE.get("room_enabled"))),
        }
        summary.write_text(json.dumps(payload, indent=1))


# Registered here rather than with decorators: Locust's hooks are untyped (mypy --strict).
EVENTS.init_command_line_parser.add_listener(_options)
EVENTS.init.add_listener(_init)
EVENTS.test_start.add_listener(_start)
EVENTS.request.add_listener(_request)
EVENTS.test_stop.add_listener(_stop)
