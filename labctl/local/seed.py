"""`labctl seed`: (re)load the demo catalog into a DynamoDB table, the running local lab's by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labctl.output import JsonDoc, LabError

MIN_DAYS, MAX_DAYS = 1, 60


@dataclass(frozen=True)
class SeedResult:
    endpoint_url: str
    table: str
    counts: dict[str, Any]  # what `python -m api.seed` printed: movies, shows, items_written, table_created

    def to_json(self) -> JsonDoc:
        return {"endpoint_url": self.endpoint_url, **self.counts}


def seed(endpoint_url: str, table: str, days: int) -> SeedResult:
    """Seed endpoint_url (default: the running lab's DynamoDB Local) with `days` of shows."""
    from labctl.local import provision, services
    from labctl.local.running import require_running

    if not MIN_DAYS <= days <= MAX_DAYS:
        raise LabError("invalid_days", f"--days {days} is out of range.", f"Use {MIN_DAYS} to {MAX_DAYS}.")
    if endpoint_url:
        name, region = table or services.TABLE_NAME, services.REGION
    else:
        lab = require_running(otherwise="pass --endpoint-url http://127.0.0.1:PORT")
        endpoint_url, name, region = lab.endpoints["dynamodb"], table or lab.table_name, lab.region
    return SeedResult(endpoint_url, name, provision.run_seed(endpoint_url, name, region, days))
