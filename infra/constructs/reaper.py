"""The reaper Lambda: deletes the lab's stacks in dependency order, unblocks what it may, reports.

Its IAM names each stack it may delete (exact ARN per stack and region), each of the lab's buckets
by exact name, the alert topic, its outcome parameter, its failure queue and itself. Failed
invocations (after Lambda's two retries) land in `failures`, a queue with an alarm on the topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.log_group import lab_log_group
from infra.constructs.nag import acknowledge
from infra.constructs.reaper_policy import grant_reaper_rights

# The asset is the lambdas folder, holding the `reaper` package only: its modules import each other
# relatively, as `infra.lambdas.reaper` here and as `reaper` in the Lambda runtime.
LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"
HANDLER = "reaper.handler.handler"
DEADLINE_MINUTES = 120  # from the first invocation: then it reports failure instead of retrying


class Reaper(Construct):
    """`function`, `role`, `log_group`, `failures` (queue), `failure_alarm`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        lab_name: str,
        stacks: Mapping[str, tuple[str, Sequence[str]]],
        control_stack_name: str,
        buckets: Sequence[str],
        topic: sns.ITopic,
        tag_key: str,
    ) -> None:
        """stacks: name -> (region, names it depends on) of every stack to delete, in deploy order."""
        super().__init__(scope, construct_id)
        function_name = f"{lab_name}-reaper"
        self.log_group = lab_log_group(self, "Logs", name=f"/aws/lambda/{function_name}")
        self.failures = sqs.Queue(
            self,
            "Failures",
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"reaper of lab {lab_name}: deletes only this lab's stacks",
        )
        grant_reaper_rights(
            self.role,
            lab_name=lab_name,
            function_name=function_name,
            stacks={**{n: region for n, (region, _) in stacks.items()}, control_stack_name: cdk.Stack.of(self).region},
            buckets=buckets,
            topic=topic,
            log_group=self.log_group,
            tag_key=tag_key,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=f"Deletes lab {lab_name} when its time is up",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=["**/__pycache__", "*.pyc"]),
            timeout=cdk.Duration.minutes(15),
            memory_size=256,
            role=self.role,
            log_group=self.log_group,
            # Async invocations (the schedule, its own handovers): two retries, then the failure queue.
            retry_attempts=2,
            on_failure=destinations.SqsDestination(self.failures),
            environment={
                "LAB_NAME": lab_name,
                "STACKS": json.dumps([{"name": n, "region": r, "depends_on": list(d)} for n, (r, d) in stacks.items()]),
                "CONTROL_STACK_NAME": control_stack_name,
                "TOPIC_ARN": topic.topic_arn,
                "BUCKETS": cdk.Stack.of(self).to_json_string(list(buckets)),
                "TAG_KEY": tag_key,
                "DEADLINE_MINUTES": str(DEADLINE_MINUTES),
            },
        )
        self.failure_alarm = cloudwatch.Alarm(
            self,
            "FailureAlarm",
            alarm_description=(
                f"The reaper of lab {lab_name} (or its schedule) failed and the event sits in the failure "
                "queue: the lab may still be billing. Run `labctl status`, then `labctl down`."
            ),
            metric=self.failures.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(1), statistic="Maximum"
            ),
            threshold=0,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.failure_alarm.add_alarm_action(cw_actions.SnsAction(topic))
        acknowledge(
            self.failures,
            (
                "AwsSolutions-SQS3",
                "This queue is itself the dead-letter destination of the reaper and of its schedule.",
            ),
        )
