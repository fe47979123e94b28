"""LabControl: the lab's self-destruct timer, its reaper, the alert topic and a cost budget.

The timer lives in AWS, not on the learner's laptop: a one-time EventBridge Scheduler schedule at
`expires_at` (ActionAfterCompletion DELETE: Scheduler removes it once it fired) invokes the
reaper, which deletes every other stack in reverse deploy order and then this one.
`labctl extend` moves the schedule.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.config import LabConfig, stack_dependencies, stack_regions, web_bucket_name
from infra.constructs.nag import acknowledge
from infra.constructs.reaper import Reaper
from infra.constructs.sdk_call import sdk_resource
from infra.lambdas.reaper.model import outcome_parameter

TAG_KEY = "lab:name"  # infra.app tags every resource with it
DEFAULT_TTL = timedelta(hours=2)  # a lab deployed without expires_at still deletes itself
MONTHLY_BUDGET_USD = 20
# Percent of the monthly budget: (notification type, threshold)
BUDGET_ALERTS = (("ACTUAL", 50), ("ACTUAL", 100), ("FORECASTED", 100))


def schedule_expression(expires_at: datetime) -> str:
    """Scheduler's one-time form, `at(yyyy-mm-ddThh:mm:ss)`, read in UTC."""
    return f"at({expires_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


class LabControlStack(cdk.Stack):
    """Timer + reaper + alerts + budget; outputs what labctl status/extend read."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LabConfig,
        managed_stack_names: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.managed_stack_names = list(managed_stack_names)
        lab = config.lab_name
        regions = stack_regions(config)
        depends_on = stack_dependencies(config)

        self.topic = sns.Topic(self, "Alerts", topic_name=f"{lab}-alerts", display_name=f"lab {lab}", enforce_ssl=True)
        if config.alert_email:
            self.topic.add_subscription(subs.EmailSubscription(config.alert_email))
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="BudgetsPublish",
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        acknowledge(
            self.topic,
            (
                "AwsSolutions-SNS2",
                "No KMS key: AWS Budgets cannot publish to a topic under the AWS-managed "
                "SNS key and a customer key costs $1/month; messages hold no secrets.",
            ),
        )

        self.reaper = Reaper(
            self,
            "Reaper",
            lab_name=lab,
            stacks={name: (regions.get(name, config.region), depends_on[name]) for name in self.managed_stack_names},
            control_stack_name=self.stack_name,
            buckets=[web_bucket_name(lab, self.account)],
            topic=self.topic,
            tag_key=TAG_KEY,
        )
        self.expires_at = config.expires_at or (datetime.now(UTC).replace(second=0, microsecond=0) + DEFAULT_TTL)
        if config.expires_at is None:
            cdk.Annotations.of(self).add_warning_v2(
                "labctl:no-expires-at",
                f"no expires_at in context: the lab deletes itself at {self.expires_at.isoformat()} "
                f"({DEFAULT_TTL} after synth)",
            )
        self.schedule = self._schedule()
        self.budget = self._budget()

        for key, value in {
            "ExpiresAt": self.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "ScheduleName": self.schedule_name,
            "TopicArn": self.topic.topic_arn,
            "ReaperFunctionName": self.reaper.function.function_name,
            "ManagedStacks": json.dumps(self.managed_stack_names),
            "FailureQueueUrl": self.reaper.failures.queue_url,
            "OutcomeParameter": outcome_parameter(lab),
        }.items():
            cdk.CfnOutput(self, key, value=value)

    def _schedule(self) -> cr.AwsCustomResource:
        """CloudFormation's AWS::Scheduler::Schedule has no ActionAfterCompletion, so the schedule is
        created through the Scheduler API at deploy time (and deleted with the stack if still there)."""
        lab = self.config.lab_name
        name = f"{lab}-expiry"
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
            description=f"lets the expiry schedule of lab {lab} invoke its reaper",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.reaper.function.function_arn])
        )
        # A schedule that cannot invoke its target (after its retries) sends the event to the failure queue.
        self.reaper.failures.grant_send_messages(role)
        params = {
            "Name": name,
            "Description": f"Deletes lab {lab} at its expiry (labctl extend moves it)",
            "ScheduleExpression": schedule_expression(self.expires_at),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Target": {
                "Arn": self.reaper.function.function_arn,
                "RoleArn": role.role_arn,
                "Input": json.dumps({"reason": "expired", "lab": lab}),
                "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                "DeadLetterConfig": {"Arn": self.reaper.failures.queue_arn},
            },
        }
        physical_id = cr.PhysicalResourceId.of(name)
        schedule_arn = self.format_arn(service="scheduler", resource="schedule", resource_name=f"default/{name}")
        resource = sdk_resource(
            self,
            "Expiry",
            log_group_id="ScheduleLogs",
            on_create=cr.AwsSdkCall(
                service="Scheduler", action="createSchedule", parameters=params, physical_resource_id=physical_id
            ),
            on_update=cr.AwsSdkCall(
                service="Scheduler", action="updateSchedule", parameters=params, physical_resource_id=physical_id
            ),
            # After it fired, Scheduler already deleted it: not found is the normal case.
            on_delete=cr.AwsSdkCall(
                service="Scheduler",
                action="deleteSchedule",
                parameters={"Name": name},
                ignore_error_codes_matching="ResourceNotFoundException",
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
                        resources=[schedule_arn],
                    ),
                    iam.PolicyStatement(
                        actions=["iam:PassRole"],
                        resources=[role.role_arn],
                        conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
                    ),
                ]
            ),
        )
        self.schedule_name = name
        acknowledge(
            self,
            (
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "The CDK-provided AwsCustomResource singleton Lambda role uses the AWS-managed basic "
                "execution policy (logs only); CDK does not expose it for replacement.",
            ),
            (
                "AwsSolutions-L1",
                "The CDK-provided AwsCustomResource singleton pins its own Node.js runtime, updated with "
                "aws-cdk-lib; it runs only during deployments.",
            ),
        )
        return resource

    def _budget(self) -> budgets.CfnBudget:
        subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=self.topic.topic_arn)]
        if self.config.alert_email:
            subscribers.append(
                budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=self.config.alert_email)
            )
        return budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=f"{self.config.lab_name}-monthly",
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=MONTHLY_BUDGET_USD, unit="USD"),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        comparison_operator="GREATER_THAN",
                        notification_type=kind,
                        threshold=threshold,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for kind, threshold in BUDGET_ALERTS
            ],
        )
