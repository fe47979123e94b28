"""contracts/slo.yaml as typed objects: the SLOs, their SLI counters and the burn-rate alert policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from labctl.durations import SLO_WINDOW, parse_duration
from labctl.output import LabError
from labctl.paths import CONTRACTS_DIR, REPO_ROOT

SLO_FILE = CONTRACTS_DIR / "slo.yaml"
BURN_WINDOWS = ("5m", "30m", "1h", "6h", "3d")  # the windows every report shows


@dataclass(frozen=True)
class AlertRule:
    """Fire `severity` when both the long and the short window burn at >= burn_rate."""

    severity: str
    long: str
    short: str
    burn_rate: float


@dataclass(frozen=True)
class Slo:
    """One SLO: sli = good / total over the window; `bad` xor `good` names the counter."""

    name: str
    description: str
    objective: float
    total: str
    good: str | None = None
    bad: str | None = None

    @property
    def budget(self) -> float:
        """The error budget as a ratio (1 - objective), rounded so 0.999 gives exactly 0.001."""
        return round(1.0 - self.objective, 12)


@dataclass(frozen=True)
class SloSpec:
    service: str
    namespace: str
    window: str
    latency_threshold_ms: int
    alerting: tuple[AlertRule, ...]
    slos: tuple[Slo, ...]

    @property
    def dimensions(self) -> dict[str, str]:
        """The service-level dimension set every SLI counter is published under."""
        return {"Service": self.service}

    def slo(self, name: str) -> Slo:
        """The SLO called name (LabError unknown_slo otherwise)."""
        for slo in self.slos:
            if slo.name == name:
                return slo
        raise LabError("unknown_slo", f"No SLO named {name!r}", f"Known: {', '.join(s.name for s in self.slos)}")


def _bad(message: str) -> LabError:
    return LabError("invalid_slo_file", message, f"Fix {SLO_FILE.relative_to(REPO_ROOT)} (see docs/slo.md).")


def _slo(raw: dict[str, Any]) -> Slo:
    name = str(raw.get("name", ""))
    objective = raw.get("objective")
    if not isinstance(objective, (int, float)) or not 0.0 < float(objective) < 1.0:
        raise _bad(f"SLO {name!r}: objective must be a ratio strictly between 0 and 1")
    if ("good" in raw) == ("bad" in raw):
        raise _bad(f"SLO {name!r}: give exactly one of `good` or `bad`")
    if "total" not in raw:
        raise _bad(f"SLO {name!r}: `total` (the counter of all events) is missing")
    return Slo(
        name=name,
        description=str(raw.get("description", "")),
        objective=float(objective),
        total=str(raw["total"]),
        good=str(raw["good"]) if "good" in raw else None,
        bad=str(raw["bad"]) if "bad" in raw else None,
    )


def parse_spec(doc: dict[str, Any]) -> SloSpec:
    """Validate a parsed slo.yaml document."""
    try:
        rules = tuple(
            AlertRule(str(r["severity"]), str(r["long"]), str(r["short"]), float(r["burn_rate"]))
            for r in doc["alerting"]
        )
        spec = SloSpec(
            service=str(doc["service"]),
            namespace=str(doc["namespace"]),
            window=str(doc["window"]),
            latency_threshold_ms=int(doc["latency_threshold_ms"]),
            alerting=rules,
            slos=tuple(_slo(s) for s in doc["slos"]),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise _bad(f"missing or malformed field: {err}") from None
    for rule in spec.alerting:
        if parse_duration(rule.short, SLO_WINDOW) >= parse_duration(rule.long, SLO_WINDOW):
            raise _bad(f"alert {rule}: the short window must be shorter than the long one")
    parse_duration(spec.window, SLO_WINDOW)
    return spec


def load_spec(path: Path = SLO_FILE) -> SloSpec:
    """Read and validate contracts/slo.yaml."""
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise LabError("invalid_slo_file", f"Cannot read {path}: {err}", "Restore contracts/slo.yaml.") from None
    if not isinstance(doc, dict):
        raise _bad("the document is not a mapping")
    return parse_spec(doc)
