"""CI/CD stack: GitHub's OIDC provider, the deploy role GitHub Actions assumes, and the image repository.

No stored keys: a workflow job asks GitHub for an OIDC token and trades it for this role's temporary
credentials. The role trusts only one repository's main branch and its deploy environment. Its own
rights stay narrow: everything that creates or changes the lab goes through the CDK bootstrap roles
(CloudFormation does the work); directly it may push to `<lab>-api`, read the lab's stacks, delete
exactly those stacks (teardown), and seed the lab's table (docs/adr/0018-github-oidc-deploy-role.md).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.cicd import GITHUB_OIDC_HOST, STS_AUDIENCE, CicdConfig
from infra.config import EDGE_REGION, stack_regions
from infra.constructs.nag import acknowledge
from infra.contracts import load_table

CDK_QUALIFIER = "hnb659fds"  # `cdk bootstrap`'s default; labctl checks the same one
KEEP_IMAGES = 10  # one per commit; a rollback needs only the last few
PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
READ_STACK_ACTIONS = [
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResources",
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:ListStackResources",
]


class CicdStack(cdk.Stack):
    """Public attributes: `provider`, `repository`, `role`, `config`."""

    def __init__(self, scope: Construct, construct_id: str, *, config: CicdConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        lab = config.lab
        self.provider = self._provider(config)
        self.repository = ecr.Repository(
            self,
            "ImageRepository",
            repository_name=lab.image_repository_name,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,  # a commit SHA always names the same image
            image_scan_on_push=True,
            encryption=ecr.RepositoryEncryption.KMS,  # the AWS-managed aws/ecr key: no monthly key fee
            lifecycle_rules=[ecr.LifecycleRule(description="keep the newest images", max_image_count=KEEP_IMAGES)],
            removal_policy=cdk.RemovalPolicy.DESTROY,
            empty_on_delete=True,
        )
        # Lambda pulls container images with its service principal, limited to this account's functions.
        self.repository.add_to_resource_policy(
            iam.PolicyStatement(
                sid="LambdaImagePull",
                principals=[iam.ServicePrincipal("lambda.amazonaws.com")],
                actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        self.role = iam.Role(
            self,
            "DeployRole",
            role_name=f"{lab.lab_name}-github-deploy",
            description=f"GitHub Actions of {config.repository} ({config.branch}, environment {config.environment})",
            assumed_by=iam.WebIdentityPrincipal(
                self.provider.oidc_provider_arn,
                conditions={
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": config.subjects,
                    }
                },
            ),
            max_session_duration=cdk.Duration.hours(2),  # a deploy with CloudFront and a bake can pass 1 h
        )
        self._grant(config)
        cdk.CfnOutput(self, "RoleArn", value=self.role.role_arn, description="AWS_DEPLOY_ROLE_ARN")
        cdk.CfnOutput(self, "RepositoryUri", value=self.repository.repository_uri)
        cdk.CfnOutput(self, "ProviderArn", value=self.provider.oidc_provider_arn)
        cdk.CfnOutput(self, "TrustedSubjects", value=",".join(config.subjects))

    def _provider(self, config: CicdConfig) -> iam.IOidcProvider:
        if config.oidc_provider == "import":
            # An account holds one provider per URL: reuse the learner's existing one.
            arn = f"arn:{self.partition}:iam::{self.account}:oidc-provider/{GITHUB_OIDC_HOST}"
            return iam.OidcProviderNative.from_oidc_provider_arn(self, "GitHubOidc", arn)
        # Native AWS::IAM::OIDCProvider (no custom-resource Lambda); IAM trusts GitHub's CA itself.
        return iam.OidcProviderNative(self, "GitHubOidc", url=f"https://{GITHUB_OIDC_HOST}", client_ids=[STS_AUDIENCE])

    def _grant(self, config: CicdConfig) -> None:
        lab = config.lab
        regions = sorted({lab.region, EDGE_REGION})
        account, partition = self.account, self.partition
        stacks = [
            f"arn:{partition}:cloudformation:{region}:{account}:stack/{name}/*"
            for name, region in stack_regions(lab).items()
        ]
        statements = [
            iam.PolicyStatement(
                sid="AssumeCdkBootstrapRoles",
                actions=["sts:AssumeRole", "sts:TagSession"],
                resources=[
                    f"arn:{partition}:iam::{account}:role/cdk-{CDK_QUALIFIER}-*-{account}-{region}"
                    for region in regions
                ],
            ),
            iam.PolicyStatement(sid="PushLabImage", actions=PUSH_ACTIONS, resources=[self.repository.repository_arn]),
            iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            iam.PolicyStatement(sid="ReadLabStacks", actions=READ_STACK_ACTIONS, resources=stacks),
            iam.PolicyStatement(sid="DeleteLabStacks", actions=["cloudformation:DeleteStack"], resources=stacks),
            iam.PolicyStatement(
                sid="ReadCdkBootstrapVersion",
                actions=["ssm:GetParameter"],
                resources=[
                    f"arn:{partition}:ssm:{region}:{account}:parameter/cdk-bootstrap/{CDK_QUALIFIER}/version"
                    for region in regions
                ],
            ),
            iam.PolicyStatement(
                sid="ReadLabTimer",
                actions=["scheduler:GetSchedule"],
                resources=[f"arn:{partition}:scheduler:{lab.region}:{account}:schedule/default/{lab.lab_name}-expiry"],
            ),
            iam.PolicyStatement(sid="FindLabLeftovers", actions=["tag:GetResources"], resources=["*"]),
            iam.PolicyStatement(
                sid="EmptyLabBuckets",
                actions=["s3:ListBucket", "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[f"arn:{partition}:s3:::{lab.lab_name}-*", f"arn:{partition}:s3:::{lab.lab_name}-*/*"],
            ),
            iam.PolicyStatement(
                sid="SeedLabCatalog",
                actions=["dynamodb:BatchWriteItem", "dynamodb:DescribeTable"],
                resources=[
                    f"arn:{partition}:dynamodb:{lab.region}:{account}:table/{lab.stack_name(load_table().name)}"
                ],
            ),
        ]
        policy = iam.Policy(self, "DeployPolicy", statements=statements, roles=[self.role])
        acknowledge(
            policy,
            (
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken and tag:GetResources have no resource-level permissions; the "
                "first only returns a registry login, the second lists tags (teardown's leftover check).",
            ),
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-{CDK_QUALIFIER}"
                f"-*-<AWS::AccountId>-{regions[0]}]",
                "The CDK bootstrap roles of this account and region (deploy, file and image publishing, "
                "lookup): their names differ only in that wildcard part.",
            ),
            *[
                (
                    f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-"
                    f"{CDK_QUALIFIER}-*-<AWS::AccountId>-{region}]",
                    "The CDK bootstrap roles of this account and region (deploy, file and image publishing, "
                    "lookup): their names differ only in that wildcard part.",
                )
                for region in regions[1:]
            ],
            *[
                (
                    f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:{region}:<AWS::AccountId>"
                    f":stack/{name}/*]",
                    "A stack ARN ends in a random id CloudFormation assigns at creation; the name before it "
                    "pins the one lab stack.",
                )
                for name, region in stack_regions(lab).items()
            ],
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{lab.lab_name}-*]",
                "CloudFormation names the lab's buckets after their stack (`<lab>-edge-...`); teardown "
                "empties them only when a stack deletion fails on a non-empty bucket.",
            ),
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{lab.lab_name}-*/*]",
                "The objects of the lab's own buckets (see the bucket statement): deleted only to let "
                "a failed stack deletion finish.",
            ),
        )
