"""Data stack: the table and the queues, in both compute modes, and their parity with contracts/*.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import MODES, SynthResult
from tests.infra.tpl import only, props, resources

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


@pytest.mark.parametrize("mode", MODES)
def test_the_table_is_on_demand_encrypted_with_pitr_and_ttl(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    table = only(result.stack("data"), "AWS::DynamoDB::Table")
    p = props(table)
    assert p["TableName"] == result.config.stack_name("bookings")
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["SSESpecification"] == {"SSEEnabled": True}
    assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert p["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert p.get("DeletionProtectionEnabled") is False
    assert table["DeletionPolicy"] == "Delete"
    assert table["UpdateReplacePolicy"] == "Delete"


@pytest.mark.parametrize("mode", MODES)
def test_queues_have_dlqs_after_3_receives_sse_and_tls_only(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    data = result.stack("data")
    queues = {props(q)["QueueName"]: (k, q) for k, q in resources(data, "AWS::SQS::Queue").items()}
    lab = result.config.lab_name
    assert set(queues) == {
        f"{lab}-hold-expiry",
        f"{lab}-hold-expiry-dlq",
        f"{lab}-booking-events",
        f"{lab}-booking-events-dlq",
    }
    for name, (_, queue) in queues.items():
        p = props(queue)
        assert p["SqsManagedSseEnabled"] is True
        assert queue["DeletionPolicy"] == "Delete"
        if name.endswith("-dlq"):
            assert p["MessageRetentionPeriod"] == 1209600
            assert "RedrivePolicy" not in p
        else:
            dlq_logical_id = queues[f"{name}-dlq"][0]
            assert p["RedrivePolicy"] == {
                "deadLetterTargetArn": {"Fn::GetAtt": [dlq_logical_id, "Arn"]},
                "maxReceiveCount": 3,
            }
            assert p["VisibilityTimeout"] == 180
            assert p["VisibilityTimeout"] >= 6 * 30
            assert p["MessageRetentionPeriod"] == 345600
            assert p["ReceiveMessageWaitTimeSeconds"] == 20
    policies = resources(data, "AWS::SQS::QueuePolicy")
    assert len(policies) == 4
    for policy in policies.values():
        (stmt,) = props(policy)["PolicyDocument"]["Statement"]
        assert stmt["Effect"] == "Deny"
        assert stmt["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def _key_schema(pk: dict[str, str], sk: dict[str, str] | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": pk["name"], "KeyType": "HASH"}]
    if sk:
        schema.append({"AttributeName": sk["name"], "KeyType": "RANGE"})
    return schema


@pytest.mark.parametrize("mode", MODES)
def test_table_in_the_template_equals_contracts_table_json(synth_results: dict[str, SynthResult], mode: str) -> None:
    contract: dict[str, Any] = json.loads((CONTRACTS / "table.json").read_text())
    p = props(only(synth_results[mode].stack("data"), "AWS::DynamoDB::Table"))
    assert p["KeySchema"] == _key_schema(contract["partition_key"], contract.get("sort_key"))
    expected_attrs = {(contract["partition_key"]["name"], contract["partition_key"]["type"])}
    if contract.get("sort_key"):
        expected_attrs.add((contract["sort_key"]["name"], contract["sort_key"]["type"]))
    expected_gsis = []
    for gsi in contract["global_secondary_indexes"]:
        expected_attrs.add((gsi["partition_key"]["name"], gsi["partition_key"]["type"]))
        if gsi.get("sort_key"):
            expected_attrs.add((gsi["sort_key"]["name"], gsi["sort_key"]["type"]))
        expected_gsis.append(
            {
                "IndexName": gsi["name"],
                "KeySchema": _key_schema(gsi["partition_key"], gsi.get("sort_key")),
                "Projection": {"ProjectionType": gsi["projection"]},
            }
        )
    assert {(a["AttributeName"], a["AttributeType"]) for a in p["AttributeDefinitions"]} == expected_attrs
    assert p["GlobalSecondaryIndexes"] == expected_gsis
    assert p["TimeToLiveSpecification"]["AttributeName"] == contract["ttl_attribute"]
    assert p["BillingMode"] == contract["billing_mode"]


@pytest.mark.parametrize("mode", MODES)
def test_queues_in_the_template_equal_contracts_queues_json(synth_results: dict[str, SynthResult], mode: str) -> None:
    result = synth_results[mode]
    contract: dict[str, Any] = json.loads((CONTRACTS / "queues.json").read_text())
    by_name = {props(q)["QueueName"]: props(q) for q in resources(result.stack("data"), "AWS::SQS::Queue").values()}
    for q in contract["queues"]:
        queue = by_name[result.config.stack_name(q["name"])]
        dlq = by_name[result.config.stack_name(q["dlq"]["name"])]
        assert queue["VisibilityTimeout"] == q["visibility_timeout_seconds"]
        assert queue["MessageRetentionPeriod"] == q["message_retention_seconds"]
        assert queue["ReceiveMessageWaitTimeSeconds"] == q["receive_wait_time_seconds"]
        assert queue["RedrivePolicy"]["maxReceiveCount"] == q["dlq"]["max_receive_count"]
        assert dlq["MessageRetentionPeriod"] == q["dlq"]["message_retention_seconds"]
    mappings = resources(result.stack("compute"), "AWS::Lambda::EventSourceMapping")
    by_batch = sorted((props(m)["BatchSize"], props(m)["MaximumBatchingWindowInSeconds"]) for m in mappings.values())
    assert by_batch == sorted((q["batch_size"], q["max_batching_window_seconds"]) for q in contract["queues"])
