"""`python -m api.seed`: create the table if needed and load the demo catalog (safe to re-run).

labctl seed and labctl up --local launch this module; it is an entry point, not a library: the
wiring is api/bootstrap.py's (`seed_catalog`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from api.bootstrap import seed_catalog
from api.domain.errors import DependencyUnavailable
from api.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    p = argparse.ArgumentParser(prog="python -m api.seed", description=__doc__)
    p.add_argument("--endpoint-url", default=settings.dynamodb_endpoint_url)
    p.add_argument("--table", default=settings.table_name)
    p.add_argument("--region", default=settings.aws_region)
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--create-table", action="store_true")
    args = p.parse_args(argv)
    if not 1 <= args.days <= 60:
        print(json.dumps({"error": {"code": "invalid_days", "message": "--days must be 1..60"}}))
        return 2
    target = settings.model_copy(
        update={"dynamodb_endpoint_url": args.endpoint_url, "table_name": args.table, "aws_region": args.region}
    )
    try:
        report = asyncio.run(seed_catalog(target, days=args.days, create_table=args.create_table))
    except DependencyUnavailable as err:
        print(json.dumps({"error": {"code": "seed_failed", "message": err.message}}))
        return 1
    print(json.dumps(asdict(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
