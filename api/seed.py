"""`python -m api.seed`: create the table if needed and load the demo catalog (safe to re-run).

labctl seed and labctl up --local launch this module; it is an entry point, not a library.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from api.adapters.dynamodb.client import open_dynamodb
from api.adapters.dynamodb.schema import ensure_table
from api.adapters.dynamodb.store import DynamoStore
from api.service.demo_catalog import catalog
from api.settings import load_settings


async def seed(endpoint_url: str | None, table: str, region: str, days: int, create_table: bool) -> dict[str, object]:
    settings = load_settings()
    async with AsyncExitStack() as stack:
        client = await open_dynamodb(stack, region=region, endpoint_url=endpoint_url)
        created = await ensure_table(client, table, settings.contracts_dir) if create_table else False
        movies, shows = catalog(datetime.now(UTC).date(), days)
        written = await DynamoStore(client, table).put_catalog(movies, shows)
    return {
        "table": table,
        "table_created": created,
        "movies": len(movies),
        "shows": len(shows),
        "items_written": written,
    }


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
    try:
        result = asyncio.run(seed(args.endpoint_url, args.table, args.region, args.days, args.create_table))
    except (BotoCoreError, ClientError) as err:
        print(json.dumps({"error": {"code": "seed_failed", "message": str(err)}}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
