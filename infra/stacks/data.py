"""Data stack: the DynamoDB table and the SQS queues + DLQs, built from contracts/*.json."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import METRICS_NAMESPACE, LabConfig
from infra.contracts import KeyAttr, QueueContract, load_queues, load_table

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _attr(key: KeyAttr | None) -> dynamodb.Attribute | None:
    return None if key is None else dynamodb.Attribute(name=key.name, type=_TYPES[key.type])


class DataStack(cdk.Stack):
    """Public attributes: `table`, `queues` / `dlqs` (by contract key), `metrics_namespace`."""

    def __init__(self, scope: Construct, construct_id: str, *, config: LabConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.metrics_namespace = METRICS_NAMESPACE
        self.queue_contracts: dict[str, QueueContract] = {q.key: q for q in load_queues()}
        contract = load_table()
        if contract.billing_mode != "PAY_PER_REQUEST":
            raise ValueError(f"contracts/table.json billing_mode {contract.billing_mode} is not on-demand")
        partition_key = _attr(contract.partition_key)
        assert partition_key is not None
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=config.stack_name(contract.name),
            partition_key=partition_key,
            sort_key=_attr(contract.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=contract.ttl_attribute,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=False,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.index_names = [gsi.name for gsi in contract.global_secondary_indexes]
        for gsi in contract.global_secondary_indexes:
            if gsi.projection != "ALL":
                raise ValueError(f"GSI {gsi.name}: only projection ALL is supported")
            gsi_pk = _attr(gsi.partition_key)
            assert gsi_pk is not None
            self.table.add_global_secondary_index(
                index_name=gsi.name,
                partition_key=gsi_pk,
                sort_key=_attr(gsi.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        self.queues: dict[str, sqs.Queue] = {}
        self.dlqs: dict[str, sqs.Queue] = {}
        for q in self.queue_contracts.values():
            self._add_queue(config, q)

    def grant_table(self, grantee: iam.IGrantable, actions: tuple[str, ...]) -> iam.Grant:
        """Grant named actions on the table and on each GSI by name (no `index/*` wildcard)."""
        index_arns = [f"{self.table.table_arn}/index/{name}" for name in self.index_names]
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(actions), resource_arns=[self.table.table_arn, *index_arns]
        )

    def _add_queue(self, config: LabConfig, q: QueueContract) -> None:
        if q.visibility_timeout_seconds < 6 * q.handler_timeout_seconds:
            raise ValueError(f"queue {q.name}: visibility timeout must be >= 6x the handler timeout")
        dlq = sqs.Queue(
            self,
            f"{_camel(q.key)}Dlq",
            queue_name=config.stack_name(q.dlq.name),
            retention_period=cdk.Duration.seconds(q.dlq.message_retention_seconds),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        queue = sqs.Queue(
            self,
            f"{_camel(q.key)}Queue",
            queue_name=config.stack_name(q.name),
            visibility_timeout=cdk.Duration.seconds(q.visibility_timeout_seconds),
            retention_period=cdk.Duration.seconds(q.message_retention_seconds),
            receive_message_wait_time=cdk.Duration.seconds(q.receive_wait_time_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=q.dlq.max_receive_count),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.queues[q.key] = queue
        self.dlqs[q.key] = dlq


def _camel(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))
