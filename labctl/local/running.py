"""Is the local lab running? The one answer every command asks before it talks to the lab.

Running means: a state file that reads, and its supervisor alive (pid and start time both match, so a
reused pid is never mistaken for it). Ready means the supervisor finished starting every service.
"""

from __future__ import annotations

from labctl.local import procs, state
from labctl.local.state import LabState
from labctl.output import LabError

RESTART_HINT = "Run `labctl down --local`, then `labctl up --local`."


def alive(lab: LabState) -> bool:
    """True while lab's supervisor runs (a crashed lab leaves a stale state behind)."""
    return procs.alive(lab.supervisor_pid, lab.supervisor_create_time)


def running_lab() -> LabState | None:
    """The running lab, or None (never started, stopped, or crashed); an unreadable state is lab_state_corrupt."""
    try:
        lab = state.load()
    except state.StateCorruptError as err:
        raise LabError("lab_state_corrupt", str(err), RESTART_HINT) from None
    return lab if lab is not None and alive(lab) else None


def incomplete(what: str) -> LabError:
    """A running lab whose state lacks what a command needs (an older labctl started it, say)."""
    return LabError(
        "lab_state_incomplete",
        f"The local lab's state file lacks {what}.",
        "Restart the lab: `labctl down --local && labctl up --local`.",
    )


def require_running(*, otherwise: str = "", ready: bool = True) -> LabState:
    """The running (and, by default, ready) lab; lab_not_running / lab_not_ready with a hint otherwise."""
    lab = running_lab()
    if lab is None:
        alternative = f", or {otherwise}" if otherwise else ""
        raise LabError(
            "lab_not_running", "No local lab is running.", f"Start it with `labctl up --local`{alternative}."
        )
    if ready and lab.status != "ready":
        raise LabError(
            "lab_not_ready", f"The local lab is {lab.status}.", "Wait until `labctl status --local` shows it ready."
        )
    return lab
