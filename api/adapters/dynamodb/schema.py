"""CreateTable from contracts/table.json: the same definition the CDK Data stack synthesizes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError


def load_table_contract(contracts_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((contracts_dir / "table.json").read_text())
    return data


def create_table_kwargs(contract: dict[str, Any], table_name: str) -> dict[str, Any]:
    """The CreateTable request for the contract (on-demand, one GSI per contract entry)."""
    pk, sk = contract["partition_key"], contract["sort_key"]
    attrs = {pk["name"]: pk["type"], sk["name"]: sk["type"]}
    gsis = []
    for gsi in contract["global_secondary_indexes"]:
        gpk, gsk = gsi["partition_key"], gsi["sort_key"]
        attrs[gpk["name"]] = gpk["type"]
        attrs[gsk["name"]] = gsk["type"]
        gsis.append(
            {
                "IndexName": gsi["name"],
                "KeySchema": [
                    {"AttributeName": gpk["name"], "KeyType": "HASH"},
                    {"AttributeName": gsk["name"], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": gsi["projection"]},
            }
        )
    return {
        "TableName": table_name,
        "BillingMode": contract["billing_mode"],
        "KeySchema": [
            {"AttributeName": pk["name"], "KeyType": "HASH"},
            {"AttributeName": sk["name"], "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": v} for k, v in attrs.items()],
        "GlobalSecondaryIndexes": gsis,
    }


async def ensure_table(client: Any, table_name: str, contracts_dir: Path) -> bool:
    """Create the table (and enable TTL) if it does not exist; return True when created."""
    contract = load_table_contract(contracts_dir)
    try:
        await client.create_table(**create_table_kwargs(contract, table_name))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceInUseException":
            return False
        raise
    waiter = client.get_waiter("table_exists")
    await waiter.wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    await client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": contract["ttl_attribute"]},
    )
    return True
