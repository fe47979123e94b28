"""Network stack (fargate mode): public subnets over 2 AZs, no NAT, CloudFront-only ALB, ALB-only tasks."""

from __future__ import annotations

from typing import Any

from tests.infra.conftest import SynthResult
from tests.infra.tpl import flat, only, props, resources


def test_two_public_subnets_and_no_nat_gateway(synth_results: dict[str, SynthResult]) -> None:
    network = synth_results["fargate"].stack("network")
    assert resources(network, "AWS::EC2::NatGateway") == {}
    assert resources(network, "AWS::EC2::EIP") == {}
    subnets = resources(network, "AWS::EC2::Subnet")
    assert len(subnets) == 2
    assert all(props(s)["MapPublicIpOnLaunch"] is True for s in subnets.values())
    azs = sorted(flat(props(s)["AvailabilityZone"]) for s in subnets.values())
    assert azs[0] != azs[1]  # Fn::Select 0 and 1 of Fn::GetAZs: two AZs, resolved at deploy
    routes = resources(network, "AWS::EC2::Route")
    assert len(routes) == 2
    assert all("GatewayId" in props(r) for r in routes.values())
    endpoints = resources(network, "AWS::EC2::VPCEndpoint")
    assert sorted(props(e)["VpcEndpointType"] for e in endpoints.values()) == ["Gateway", "Gateway"]


def test_the_lambda_mode_has_no_network_stack(synth_results: dict[str, SynthResult]) -> None:
    result = synth_results["lambda"]
    assert result.config.stack_name("network") not in result.templates
    for template in result.templates.values():
        assert resources(template, "AWS::EC2::VPC") == {}
        assert resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer") == {}


def _ingress(network: dict[str, Any], group_id: str) -> list[dict[str, Any]]:
    """Inline and standalone ingress rules of one security group."""
    rules = list(props(resources(network, "AWS::EC2::SecurityGroup")[group_id]).get("SecurityGroupIngress", []))
    for rule in resources(network, "AWS::EC2::SecurityGroupIngress").values():
        if props(rule)["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}:
            rules.append(props(rule))
    return rules


def test_only_cloudfront_reaches_the_alb_and_only_the_alb_reaches_tasks(
    synth_results: dict[str, SynthResult],
) -> None:
    network = synth_results["fargate"].stack("network")
    groups = resources(network, "AWS::EC2::SecurityGroup")
    alb_id = next(k for k in groups if k.startswith("AlbSecurityGroup"))
    svc_id = next(k for k in groups if k.startswith("ServiceSecurityGroup"))
    (cloudfront_rule, vpc_rule) = sorted(_ingress(network, alb_id), key=lambda r: r["FromPort"])
    # With a domain the ALB listens on 443 only; the peer is the deploy-time CloudFront prefix list.
    assert (cloudfront_rule["FromPort"], cloudfront_rule["ToPort"]) == (443, 443)
    assert cloudfront_rule["SourcePrefixListId"]["Fn::GetAtt"][1] == "PrefixLists.0.PrefixListId"
    assert "CidrIp" not in cloudfront_rule
    assert (vpc_rule["FromPort"], vpc_rule["ToPort"]) == (9000, 9000)
    assert vpc_rule["CidrIp"]["Fn::GetAtt"][1] == "CidrBlock"
    lookup = only(network, "Custom::AWS")
    assert "com.amazonaws.global.cloudfront.origin-facing" in flat(props(lookup)["Create"])
    (from_alb,) = _ingress(network, svc_id)
    assert from_alb["SourceSecurityGroupId"] == {"Fn::GetAtt": [alb_id, "GroupId"]}
    assert (from_alb["FromPort"], from_alb["ToPort"]) == (8080, 8080)
    (https_out,) = props(groups[svc_id])["SecurityGroupEgress"]
    assert (https_out["CidrIp"], https_out["FromPort"], https_out["ToPort"]) == ("0.0.0.0/0", 443, 443)
    egress = props(only(network, "AWS::EC2::SecurityGroupEgress"))
    assert egress["GroupId"] == {"Fn::GetAtt": [alb_id, "GroupId"]}
    assert egress["DestinationSecurityGroupId"] == {"Fn::GetAtt": [svc_id, "GroupId"]}
    assert (egress["FromPort"], egress["ToPort"]) == (8080, 8080)
