"""What `labctl up/down/status --local` return (one --json document each) and how they print."""

from __future__ import annotations

from dataclasses import dataclass, field

from labctl.local import render
from labctl.local.health import Health, Snapshot
from labctl.local.state import LabState
from labctl.output import EXIT_OK, JsonDoc, LabError, console, print_error


@dataclass(frozen=True)
class Ready:
    """The lab once every service answered: `up --local` prints it (then, in the foreground, waits)."""

    lab: LabState
    health: dict[str, Health]
    now: float
    foreground: bool

    def to_json(self) -> JsonDoc:
        return render.payload(self.lab, self.health, self.now)


@dataclass(frozen=True)
class Status:
    """`status --local`: the running lab's health, counts, queue depths and time left (lab None: none runs)."""

    lab: LabState | None
    snapshot: Snapshot | None = None
    now: float = 0.0

    def to_json(self) -> JsonDoc:
        if self.lab is None or self.snapshot is None:
            return {"running": False}
        snap = self.snapshot
        serving = snap.frontdoor["serving"] if snap.frontdoor else None
        doc = render.payload(
            self.lab, snap.health, self.now, counts=snap.counts, queue_depths=snap.depths, serving=serving
        )
        return doc | {"late": list(snap.late), "probe_seconds": round(snap.seconds, 3)}


@dataclass
class Stopped:
    """A stop: `down --local`, or the end of a foreground `up --local`; exit 2 when something outlived it."""

    services: list[str]  # what was stopped (none: no lab was running)
    seconds: float = 0.0
    ports_open: list[int] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)
    reason: str = ""  # foreground up: why the lab stopped (ctrl-c, ttl, a service that died)
    error: LabError | None = None

    def __post_init__(self) -> None:
        if self.survivors or self.ports_open:
            self.error = LabError(
                "lab_stop_incomplete",
                f"Some of the lab outlived the stop: processes {self.survivors or 'none'}, "
                f"ports still open {self.ports_open or 'none'}.",
                "Find them with `ss -ltnp` and stop them; then `labctl status --local`.",
            )

    @property
    def exit_code(self) -> int:
        return self.error.exit_code if self.error else EXIT_OK

    def to_json(self) -> JsonDoc:
        if self.reason:
            doc: dict[str, object] = {"stopped": True, "reason": self.reason, "seconds": self.seconds}
            doc |= {"processes": self.services, "survivors": self.survivors, "ports_open": self.ports_open}
        elif not self.services:
            doc = {"running": False, "stopped": []}
        else:
            doc = {"running": False, "stopped": self.services, "seconds": self.seconds, "ports_open": self.ports_open}
        return doc | (self.error.as_dict() if self.error else {})


def render_ready(ready: Ready) -> None:
    console.print(render.lab_panel(ready.lab, ready.health, ready.now, foreground=ready.foreground))


def render_status(status: Status) -> None:
    if status.lab is None or status.snapshot is None:
        console.print("No local lab is running. Start one with `labctl up --local`.")
        return
    snap = status.snapshot
    panel = render.status_panel(
        status.lab, snap.health, snap.counts, snap.depths, status.now, snap.late, snap.frontdoor, snap.deadline_s
    )
    console.print(panel)


def render_stopped(stopped: Stopped) -> None:
    if stopped.reason:
        console.print(f"Lab stopped ({stopped.reason}) in {stopped.seconds} s; {len(stopped.services)} processes.")
    elif not stopped.services:
        console.print("No local lab is running.")
    else:
        console.print(f"Local lab stopped in {stopped.seconds} s: {', '.join(stopped.services)}; ports free.")
    if stopped.error:
        print_error(stopped.error)
