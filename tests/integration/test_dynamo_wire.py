"""The aiodynamo-backed DynamoClient raises the one project error type (DynamoDB Local, no mocks)."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack

import pytest
from aiodynamo import errors as aerr

from api.adapters.dynamodb.client import DynamoError
from api.adapters.dynamodb.wire import dynamo_error, open_wire
from api.domain.errors import DependencyUnavailable
from labctl.local.ports import free_port


async def test_a_failed_condition_is_a_dynamo_error_carrying_the_old_item(
    dynamodb_local: str, fresh_table: str
) -> None:
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        item = {"PK": {"S": "K#1"}, "SK": {"S": "X"}, "v": {"N": "1"}}
        await wire.call("PutItem", {"TableName": fresh_table, "Item": item})
        with pytest.raises(DynamoError) as exc:
            await wire.call(
                "PutItem",
                {
                    "TableName": fresh_table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                },
            )
    assert exc.value.code == "ConditionalCheckFailedException"
    assert exc.value.item == item


async def test_a_cancelled_transaction_names_the_failed_item(dynamodb_local: str, fresh_table: str) -> None:
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        await wire.call("PutItem", {"TableName": fresh_table, "Item": {"PK": {"S": "K#2"}, "SK": {"S": "X"}}})

        def put(pk: str) -> dict[str, object]:
            item = {"PK": {"S": pk}, "SK": {"S": "X"}}
            return {"Put": {"TableName": fresh_table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}

        with pytest.raises(DynamoError) as exc:
            await wire.call("TransactWriteItems", {"TransactItems": [put("K#new"), put("K#2")]})
        res = await wire.call("GetItem", {"TableName": fresh_table, "Key": {"PK": {"S": "K#new"}, "SK": {"S": "X"}}})
    assert exc.value.code == "TransactionCanceledException"
    codes = [r["Code"] for r in exc.value.reasons]
    assert codes == ["None", "ConditionalCheckFailed"]
    assert "Item" not in res  # all or nothing


async def test_a_missing_table_is_reported_with_its_aws_code(dynamodb_local: str) -> None:
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=dynamodb_local)
        with pytest.raises(DynamoError) as exc:
            await wire.call("DescribeTable", {"TableName": "no-such-table"})
    assert exc.value.code == "ResourceNotFoundException"


async def test_an_unreachable_endpoint_is_dependency_unavailable_within_the_retry_budget() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        wire = await open_wire(stack, region="us-east-1", endpoint_url=url)
        with pytest.raises(DependencyUnavailable, match="GetItem"):
            await wire.call("GetItem", {"TableName": "t", "Key": {"PK": {"S": "x"}, "SK": {"S": "y"}}})
    assert time.monotonic() - started < 4.0


def test_bodiless_server_errors_get_the_codes_dynamodb_reports() -> None:
    internal = dynamo_error(aerr.InternalDynamoError())
    unavailable = dynamo_error(aerr.ServiceUnavailable())
    assert internal is not None
    assert unavailable is not None
    assert (internal.code, unavailable.code) == ("InternalServerError", "ServiceUnavailable")
    assert dynamo_error(TimeoutError()) is None
