"""The front door's two target groups as the ALB keeps them: weights, a target each, health, draining, metrics.

Pure state with the clock passed in: the proxy asks pick() for each request and reports its answer, the
health checker reports each check, the admin API registers, deregisters and weighs. The rules are the
ALB's (contracts/deployment.json sets the numbers): a new target serves after one passed check; a
serving one is unhealthy after `unhealthy_threshold` failed checks in a row and healthy again after
`healthy_threshold` passed ones; a group whose only target is unhealthy still gets its share (the ALB
fails open); a deregistered target gets no new request and leaves once its in-flight requests are done,
or when the deregistration delay ends, whichever comes first.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from labctl.local.deployment import Deployment
from labctl.local.frontdoor.metrics import Sample, Window, percentile

COLOURS = ("blue", "green")
SAMPLES_KEPT = 20_000  # per group: minutes of answers at the rates the lab sees
EVENTS_KEPT = 100
MAX_WEIGHT = 999  # the ALB's bound for a target group's weight
_generations = itertools.count(1)


class GroupError(ValueError):
    """A change the front door refuses: `code` is stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Target:
    """One API process registered in a group; `generation` tells re-registrations of one port apart."""

    host: str
    port: int
    registered_at: float
    generation: int = field(default_factory=lambda: next(_generations))
    state: str = "initial"  # initial | healthy | unhealthy | draining
    reason: str = "Elb.InitialHealthChecking"
    passed: int = 0  # checks passed in a row
    failed: int = 0  # checks failed in a row
    in_flight: int = 0
    drain_until: float | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "state": self.state,
            "reason": self.reason,
            "in_flight": self.in_flight,
            "registered_at": self.registered_at,
            "drain_until": self.drain_until,
        }


@dataclass
class Group:
    colour: str
    weight: int = 0
    target: Target | None = None
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=SAMPLES_KEPT))
    totals: Counter[str] = field(default_factory=Counter)

    def routable(self) -> bool:
        """Takes new requests: weighted, with a target that passed a check (unhealthy still counts: fail open)."""
        return self.weight > 0 and self.target is not None and self.target.state in ("healthy", "unhealthy")

    def record(self, sample: Sample) -> None:
        self.samples.append(sample)
        self.totals["requests"] += 1
        self.totals["elb_5xx" if sample.elb else f"{sample.status // 100}xx"] += 1

    def window(self, since: float) -> Window:
        recent = list(itertools.takewhile(lambda s: s.at >= since, reversed(self.samples)))
        target = [s for s in recent if not s.elb]
        times = [s.ms for s in target]
        return Window(
            requests=len(recent),
            target_5xx=sum(1 for s in target if s.status >= 500),
            elb_5xx=len(recent) - len(target),
            p50_ms=percentile(times, 0.50),
            p95_ms=percentile(times, 0.95),
            max_ms=round(max(times), 1) if times else None,
        )


class TargetGroups:
    """Both groups, the routing choice and the event log the admin API shows."""

    def __init__(
        self,
        deployment: Deployment,
        clock: Callable[[], float],
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.deployment = deployment
        self._clock = clock
        self._rand = rand
        self.groups = {c: Group(c) for c in COLOURS}
        self.events: deque[tuple[float, str]] = deque(maxlen=EVENTS_KEPT)

    def note(self, message: str) -> None:
        self.events.append((self._clock(), message))

    def group(self, colour: str) -> Group:
        if colour not in self.groups:
            raise GroupError("unknown_colour", f"No target group {colour!r}: the groups are blue and green.")
        return self.groups[colour]

    def targets(self) -> Iterator[Target]:
        return (g.target for g in self.groups.values() if g.target is not None)

    # -- registration ------------------------------------------------------------------------------
    def register(self, colour: str, host: str, port: int) -> Target:
        """Put a target in a group; it serves once a health check passes."""
        group = self.group(colour)
        if group.target is not None:
            raise GroupError("target_registered", f"{colour} already has a target ({group.target.url}).")
        group.target = Target(host, port, self._clock())
        self.note(f"{colour}: {group.target.url} registered")
        return group.target

    def deregister(self, colour: str) -> Target:
        """Stop sending new requests to the group's target; it leaves when idle or when the delay ends."""
        target = self.group(colour).target
        if target is None:
            raise GroupError("no_target", f"{colour} has no target.")
        if target.state != "draining":
            target.state, target.reason = "draining", "Target.DeregistrationInProgress"
            target.drain_until = self._clock() + self.deployment.deregistration_delay_s
            self.note(f"{colour}: draining ({target.in_flight} in flight)")
        self._maybe_drained(colour)
        return target

    def _maybe_drained(self, colour: str, *, deadline_passed: bool = False) -> Target | None:
        group = self.groups[colour]
        target = group.target
        if target is None or target.state != "draining" or (target.in_flight and not deadline_passed):
            return None
        group.target = None
        cut = f", {target.in_flight} requests cut off by the deregistration delay" if target.in_flight else ""
        self.note(f"{colour}: deregistered{cut}")
        return target

    def tick(self) -> list[Target]:
        """End the drains whose delay has passed; the targets that left (their connections can close)."""
        now, gone = self._clock(), []
        for colour, group in self.groups.items():
            t = group.target
            if t is not None and t.drain_until is not None and now >= t.drain_until:
                left = self._maybe_drained(colour, deadline_passed=True)
                gone += [left] if left else []
        return gone

    # -- weights and routing -----------------------------------------------------------------------
    def set_weights(self, weights: dict[str, int]) -> dict[str, int]:
        """New weights for the named groups (0-999 each, not all 0); applied to the next request."""
        new = {c: g.weight for c, g in self.groups.items()}
        for colour, weight in weights.items():
            self.group(colour)
            if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
                raise GroupError("invalid_weight", f"weight {weight!r} for {colour} is not an integer 0-{MAX_WEIGHT}.")
            new[colour] = weight
        if not any(new.values()):
            raise GroupError("invalid_weight", "At least one group needs a weight above 0.")
        for colour, weight in new.items():
            self.groups[colour].weight = weight
        self.note("weights " + ", ".join(f"{c} {w}" for c, w in new.items()))
        return new

    def pick(self) -> Group | None:
        """The group for the next request (weighted at random, as the ALB does), None when none can serve."""
        live = [g for g in self.groups.values() if g.routable()]
        total = sum(g.weight for g in live)
        if not total:
            return None
        point = self._rand() * total
        for g in live:
            point -= g.weight
            if point < 0:
                return g
        return live[-1]

    def begin(self, group: Group) -> Target:
        """A request goes to group's target: it counts as in flight until finish()."""
        assert group.target is not None
        group.target.in_flight += 1
        return group.target

    def finish(self, group: Group, target: Target, sample: Sample) -> Target | None:
        """A request to target ended: record it; the target when this ended its drain."""
        target.in_flight -= 1
        group.record(sample)
        if target.state == "draining" and group.target is target:
            return self._maybe_drained(group.colour)
        return None

    # -- health ------------------------------------------------------------------------------------
    def health_result(self, target: Target, ok: bool, reason: str) -> None:
        """One health check's verdict on target (ignored once it drains or left)."""
        colour = next((c for c, g in self.groups.items() if g.target is target), None)
        if colour is None or target.state == "draining":
            return
        hc = self.deployment
        target.passed, target.failed = (target.passed + 1, 0) if ok else (0, target.failed + 1)
        before = target.state
        if ok and (before == "initial" or (before == "unhealthy" and target.passed >= hc.healthy_threshold)):
            target.state, target.reason = "healthy", ""
        elif not ok and before != "unhealthy" and target.failed >= hc.unhealthy_threshold:
            target.state, target.reason = "unhealthy", reason
        elif not ok and before == "initial":
            target.reason = reason
        if target.state != before:
            self.note(f"{colour}: {target.state}" + (f" ({reason})" if not ok else ""))

    # -- the end of a rollout ----------------------------------------------------------------------
    def promote(self) -> None:
        """Green becomes blue (the serving revision), as ECS names revisions; blue must have left."""
        blue, green = self.groups["blue"], self.groups["green"]
        if blue.target is not None:
            raise GroupError("blue_not_drained", f"blue still has a target ({blue.target.url}); deregister it first.")
        if green.target is None:
            raise GroupError("no_target", "green has no target to promote.")
        green.colour = "blue"
        self.groups = {"blue": green, "green": Group("green")}
        self.note("green promoted: it is blue now")

    def serving(self) -> dict[str, int]:
        """Each group's share of new requests in percent (0 for a group that cannot serve)."""
        live = {c: g.weight for c, g in self.groups.items() if g.routable()}
        total = sum(live.values())
        return {c: round(100 * live.get(c, 0) / total) if total else 0 for c in self.groups}

    def snapshot(self, since: float | None = None) -> dict[str, object]:
        """The admin API's GET /state: groups, targets, totals, a metrics window since `since`, events."""
        now = self._clock()
        return {
            "now": now,
            "serving": self.serving(),
            "groups": {
                c: {
                    "weight": g.weight,
                    "target": g.target.to_json() if g.target else None,
                    "totals": dict(g.totals),
                    "window": g.window(since).to_json() if since is not None else None,
                }
                for c, g in self.groups.items()
            },
            "events": [{"at": at, "message": m} for at, m in self.events],
        }
