"""Network stack: a 2-AZ VPC with public subnets only (no NAT, see ADR 0002) and the security groups.

Only CloudFront reaches the ALB (the AWS-managed origin-facing prefix list, resolved at deploy time)
and only the ALB reaches the tasks.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from infra.config import LabConfig
from infra.constructs.cloudfront_prefix_list import CloudFrontPrefixList
from infra.constructs.nag import acknowledge

APP_PORT = 8080
TEST_LISTENER_PORT = 9000


class NetworkStack(cdk.Stack):
    """VPC, ALB security group and service security group (fargate mode only)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: LabConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)
            ],
            # The restriction is a custom-resource Lambda; nothing here uses the default SG.
            restrict_default_security_group=False,
            # Free gateway endpoints keep DynamoDB and ECR-layer (S3) traffic off the internet path.
            gateway_endpoints={
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            },
        )
        acknowledge(
            self.vpc,
            (
                "AwsSolutions-VPC7",
                "VPC flow logs cost $0.50/GB ingested; the lab's traffic is observed at the ALB and "
                "CloudFront, and the VPC lives only for a few hours.",
            ),
        )
        self.listener_port = 443 if config.has_domain else 80
        self.alb_security_group = ec2.SecurityGroup(
            self,
            "AlbSecurityGroup",
            vpc=self.vpc,
            description="ALB: ingress only from CloudFront origin-facing addresses",
            allow_all_outbound=False,
        )
        prefix_list = CloudFrontPrefixList(self, "CloudFrontOriginFacing")
        # One port only: the CloudFront list weighs ~55 rules against the 60-rule SG quota.
        self.alb_security_group.add_ingress_rule(
            ec2.Peer.prefix_list(prefix_list.prefix_list_id),
            ec2.Port.tcp(self.listener_port),
            "CloudFront origin-facing only",
        )
        self.alb_security_group.add_ingress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block),
            ec2.Port.tcp(TEST_LISTENER_PORT),
            "blue/green test listener, from inside the VPC only",
        )
        acknowledge(
            self.alb_security_group,
            (
                "AwsSolutions-EC23",
                "The rule cannot evaluate the deploy-time prefix-list token; ingress is only the "
                "CloudFront origin-facing prefix list and the VPC CIDR (test listener), never 0.0.0.0/0.",
            ),
        )
        self.service_security_group = ec2.SecurityGroup(
            self,
            "ServiceSecurityGroup",
            vpc=self.vpc,
            description="API tasks: ingress only from the ALB; egress HTTPS to AWS APIs",
            allow_all_outbound=False,
        )
        self.service_security_group.add_ingress_rule(
            self.alb_security_group, ec2.Port.tcp(APP_PORT), "from the ALB only"
        )
        self.service_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "AWS APIs (DynamoDB, SQS, ECR, Logs, Secrets)"
        )
        self.alb_security_group.add_egress_rule(
            self.service_security_group, ec2.Port.tcp(APP_PORT), "to the API tasks only"
        )
