"""The aiodynamo-backed client keeps aiobotocore's error contract (DynamoDB Local, no mocks)."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack

import pytest
from aiodynamo import errors as aerr
from botocore.exceptions import ClientError

from api.adapters.dynamodb.wire import client_error, open_wire
from api.domain.errors import DependencyUnavailable
from labctl.local.ports import free_port


async def test_a_failed_condition_is_a_client_error_carrying_the_old_item(
    dynamodb_local: str, fresh_table: str
) -> None:
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        item = {"PK": {"S": "K#1"}, "SK": {"S": "X"}, "v": {"N": "1"}}
        await wire.put_item(TableName=fresh_table, Item=item)
        with pytest.raises(ClientError) as exc:
            await wire.put_item(
                TableName=fresh_table,
                Item=item,
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
    assert exc.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert exc.value.response["Item"] == item  # type: ignore[typeddict-item]


async def test_a_cancelled_transaction_names_the_failed_item(dynamodb_local: str, fresh_table: str) -> None:
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        await wire.put_item(TableName=fresh_table, Item={"PK": {"S": "K#2"}, "SK": {"S": "X"}})

        def put(pk: str) -> dict[str, object]:
            item = {"PK": {"S": pk}, "SK": {"S": "X"}}
            return {"Put": {"TableName": fresh_table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}

        with pytest.raises(ClientError) as exc:
            await wire.transact_write_items(TransactItems=[put("K#new"), put("K#2")])
        res = await wire.get_item(TableName=fresh_table, Key={"PK": {"S": "K#new"}, "SK": {"S": "X"}})
    assert exc.value.response["Error"]["Code"] == "TransactionCanceledException"
    codes = [r["Code"] for r in exc.value.response["CancellationReasons"]]  # type: ignore[typeddict-item]
    assert codes == ["None", "ConditionalCheckFailed"]
    assert "Item" not in res  # all or nothing


async def test_a_missing_table_is_reported_with_its_aws_code(dynamodb_local: str) -> None:
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        with pytest.raises(ClientError) as exc:
            await wire.describe_table(TableName="no-such-table")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_an_unreachable_endpoint_is_dependency_unavailable_within_the_retry_budget() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=url)
        with pytest.raises(DependencyUnavailable, match="GetItem"):
            await wire.get_item(TableName="t", Key={"PK": {"S": "x"}, "SK": {"S": "y"}})
    assert time.monotonic() - started < 4.0


def test_bodiless_server_errors_get_the_codes_botocore_reports() -> None:
    internal = client_error("Query", aerr.InternalDynamoError())
    unavailable = client_error("Query", aerr.ServiceUnavailable())
    assert internal is not None
    assert unavailable is not None
    assert internal.response["Error"]["Code"] == "InternalServerError"
    assert unavailable.response["Error"]["Code"] == "ServiceUnavailable"
    assert client_error("Query", TimeoutError()) is None
