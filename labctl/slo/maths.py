"""Error-budget and burn-rate arithmetic (pure; every number of `labctl slo report` comes from here).

Definitions (Google SRE workbook, ch. 2 and 5):
  budget ratio      = 1 - objective                       (0.999 -> 0.001)
  sli               = good / total
  burn rate over W  = (bad_W / total_W) / budget ratio    (1.0 = spending exactly the budget)
  budget consumed   = burn x W / SLO window               (14.4 x 1 h / 720 h = 2%)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from labctl.slo.spec import AlertRule


@dataclass(frozen=True)
class Budget:
    """The error budget of one SLO over a window, in events and in minutes of full outage."""

    total_events: int
    bad_events: int
    allowed_bad: float  # budget as bad events: budget ratio x total events
    consumed_ratio: float | None  # bad / allowed (None without traffic); > 1 means overspent
    budget_minutes: float  # a full outage may last this long per window
    consumed_minutes: float | None

    @property
    def remaining_ratio(self) -> float | None:
        """1 - consumed (negative once the budget is overspent)."""
        return None if self.consumed_ratio is None else 1.0 - self.consumed_ratio

    @property
    def remaining_events(self) -> float | None:
        """Bad events still allowed in this window at the current traffic."""
        return None if self.consumed_ratio is None else self.allowed_bad - self.bad_events


def sli(good: float, total: float) -> float | None:
    """good / total; None when there was no traffic (never a flattering 100%)."""
    return None if total <= 0 else good / total


def burn_rate(bad: float, total: float, budget_ratio: float) -> float | None:
    """How many times faster than sustainable the budget burns; None without traffic."""
    if total <= 0:
        return None
    return round((bad / total) / budget_ratio, 9)  # 144/10000/0.001 is 14.4, not 14.399999999999999


def budget(good: float, total: float, budget_ratio: float, window: timedelta) -> Budget:
    """The budget of a window with `total` events of which `good` were good."""
    bad = max(total - good, 0.0)
    allowed = budget_ratio * total
    minutes = window.total_seconds() / 60 * budget_ratio
    consumed = None if total <= 0 else bad / allowed
    return Budget(
        total_events=round(total),
        bad_events=round(bad),
        allowed_bad=allowed,
        consumed_ratio=consumed,
        budget_minutes=minutes,
        consumed_minutes=None if consumed is None else consumed * minutes,
    )


def budget_spent_by(burn: float, alert_window: timedelta, slo_window: timedelta) -> float:
    """Share of the whole window's budget a constant `burn` spends during alert_window."""
    return burn * alert_window / slo_window


def burn_for_spend(spend: float, alert_window: timedelta, slo_window: timedelta) -> float:
    """The burn rate that spends `spend` of the budget in alert_window (inverse of budget_spent_by)."""
    return spend * slo_window / alert_window


def exhaustion(burn: float, slo_window: timedelta) -> timedelta | None:
    """How long a full budget lasts at a constant burn (None for burn 0)."""
    return None if burn <= 0 else slo_window / burn


def min_events_for_one_bad(budget_ratio: float) -> int:
    """Fewer events than this and a single bad event already exceeds the budget (thin data)."""
    return round(1.0 / budget_ratio)


def firing(rules: tuple[AlertRule, ...], burns: dict[str, float | None]) -> list[AlertRule]:
    """The rules whose long AND short windows both burn at >= the rule's rate (no data never fires)."""
    fired = []
    for rule in rules:
        long_b, short_b = burns.get(rule.long), burns.get(rule.short)
        if long_b is not None and short_b is not None and long_b >= rule.burn_rate and short_b >= rule.burn_rate:
            fired.append(rule)
    return fired
