"""The dated price table (contracts/prices.json): list prices per region, with source and date."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from labctl.output import LabError
from labctl.paths import CONTRACTS_DIR

PRICES_PATH = CONTRACTS_DIR / "prices.json"


@dataclass(frozen=True)
class Price:
    """One list price: USD per unit in one region, where it came from and when."""

    key: str
    unit: str
    usd: float
    source: str
    as_of: str
    free_tier: str | None


@dataclass(frozen=True)
class PriceTable:
    """Prices of one region."""

    region: str
    hours_per_month: int
    entries: dict[str, dict[str, Any]]

    def __getitem__(self, key: str) -> Price:
        entry = self.entries[key]
        return Price(
            key=key,
            unit=entry["unit"],
            usd=float(entry["usd"][self.region]),
            source=entry["source"],
            as_of=entry["as_of"],
            free_tier=entry.get("free_tier"),
        )

    def per_hour(self, key: str) -> float:
        """A monthly fee prorated to one hour (AWS prorates these hourly)."""
        return self[key].usd / self.hours_per_month


@cache
def _raw(path: Path = PRICES_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def regions() -> list[str]:
    """Regions the price table covers."""
    return list(_raw()["regions"])


def load(region: str) -> PriceTable:
    """The price table of one region; unknown_region when the table has no prices for it."""
    raw = _raw()
    if region not in raw["regions"]:
        raise LabError(
            "unknown_region",
            f"No prices for region {region!r} in {PRICES_PATH.name}.",
            f"Priced regions: {', '.join(raw['regions'])}. Add the region's prices to the table.",
        )
    return PriceTable(region=region, hours_per_month=int(raw["hours_per_month"]), entries=raw["prices"])
