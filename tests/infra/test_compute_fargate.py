"""Compute stack, fargate mode: blue/green service, ALB, roles split and least privilege, the image."""

from __future__ import annotations

from typing import Any

from infra.config import DEPLOYMENT, DEREGISTRATION_DELAY_SECONDS, STOP_TIMEOUT_SECONDS
from infra.constructs.permissions import API_QUEUE_ACTIONS, API_TABLE_ACTIONS
from tests.infra.conftest import SynthResult
from tests.infra.tpl import actions, flat, only, props, resources, statements


def _compute(synth_results: dict[str, SynthResult]) -> dict[str, Any]:
    return synth_results["fargate"].stack("compute")


def test_service_uses_ecs_native_blue_green_with_bake_time_and_alarm_rollback(
    synth_results: dict[str, SynthResult],
) -> None:
    compute = _compute(synth_results)
    service = props(only(compute, "AWS::ECS::Service"))
    deployment = service["DeploymentConfiguration"]
    assert deployment["Strategy"] == "BLUE_GREEN"
    assert deployment["BakeTimeInMinutes"] == 3
    assert deployment["Alarms"]["Enable"] is True
    assert deployment["Alarms"]["Rollback"] is True
    assert len(deployment["Alarms"]["AlarmNames"]) == 2
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["DeploymentController"] == {"Type": "ECS"}
    assert service["DesiredCount"] == 2
    (lb,) = service["LoadBalancers"]
    groups = resources(compute, "AWS::ElasticLoadBalancingV2::TargetGroup")
    blue = next(k for k in groups if k.startswith("ApiBlue"))
    green = next(k for k in groups if k.startswith("ApiGreen"))
    rules = resources(compute, "AWS::ElasticLoadBalancingV2::ListenerRule")
    prod_rule = next(k for k in rules if k.startswith("ApiProductionRule"))
    test_rule = next(k for k in rules if k.startswith("ApiTestRule"))
    assert lb["TargetGroupArn"] == {"Ref": blue}
    assert (lb["ContainerName"], lb["ContainerPort"]) == ("api", 8080)
    advanced = lb["AdvancedConfiguration"]
    assert advanced["AlternateTargetGroupArn"] == {"Ref": green}
    assert advanced["ProductionListenerRule"] == {"Ref": prod_rule}
    assert advanced["TestListenerRule"] == {"Ref": test_rule}
    # Forward-only actions with both groups weighted 100/0 on every listener and rule.
    weighted = [{"TargetGroupArn": {"Ref": blue}, "Weight": 100}, {"TargetGroupArn": {"Ref": green}, "Weight": 0}]
    for rule in rules.values():
        (action,) = props(rule)["Actions"]
        assert action["Type"] == "forward"
        assert action["ForwardConfig"]["TargetGroups"] == weighted
    listeners = resources(compute, "AWS::ElasticLoadBalancingV2::Listener")
    for listener in listeners.values():
        (action,) = props(listener)["DefaultActions"]
        assert action["ForwardConfig"]["TargetGroups"] == weighted
    alarm_ids = {a["Ref"] for a in deployment["Alarms"]["AlarmNames"]}
    alarms = resources(compute, "AWS::CloudWatch::Alarm")
    assert alarm_ids == set(alarms)
    assert "HTTPCode_Target_5XX_Count" in flat(alarms)
    assert "MAX([blue, green])" in flat(alarms)


def test_https_listener_with_a_domain_and_a_vpc_only_test_listener(synth_results: dict[str, SynthResult]) -> None:
    compute = _compute(synth_results)
    listeners = {
        props(x)["Port"]: props(x) for x in resources(compute, "AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert sorted(listeners) == [443, 9000]
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert listeners[443]["Certificates"] == [{"CertificateArn": {"Ref": "OriginCertificate689B8D2E"}}]
    cert = props(only(compute, "AWS::CertificateManager::Certificate"))
    assert cert["DomainName"] == "origin.tickets.example.com"
    assert cert["ValidationMethod"] == "DNS"
    record = props(only(compute, "AWS::Route53::RecordSet"))
    assert record["Name"] == "origin.tickets.example.com."
    assert record["Type"] == "A"
    alb = props(only(compute, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
    assert alb["Scheme"] == "internet-facing"
    assert {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"} in alb["LoadBalancerAttributes"]


def test_target_groups_check_readyz_and_drain_as_long_as_the_shutdown_chain(
    synth_results: dict[str, SynthResult],
) -> None:
    groups = resources(_compute(synth_results), "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert len(groups) == 2
    for group in groups.values():
        p = props(group)
        assert (p["HealthCheckPath"], p["TargetType"], p["Port"]) == ("/readyz", "ip", 8080)
        attrs = {a["Key"]: a["Value"] for a in p["TargetGroupAttributes"]}
        assert attrs["deregistration_delay.timeout_seconds"] == str(DEREGISTRATION_DELAY_SECONDS)
        hc = DEPLOYMENT.health_check  # the local lab's front door checks with these very numbers
        assert (p["HealthCheckIntervalSeconds"], p["HealthCheckTimeoutSeconds"]) == (
            hc.interval_seconds,
            hc.timeout_seconds,
        )
        assert (p["HealthyThresholdCount"], p["UnhealthyThresholdCount"]) == (
            hc.healthy_threshold,
            hc.unhealthy_threshold,
        )
        assert p["Matcher"] == {"HttpCode": hc.healthy_http_codes}
    container = props(only(_compute(synth_results), "AWS::ECS::TaskDefinition"))["ContainerDefinitions"][0]
    assert container["StopTimeout"] == STOP_TIMEOUT_SECONDS


def test_task_is_arm64_read_only_with_the_secrets_injected_not_in_env(synth_results: dict[str, SynthResult]) -> None:
    task = props(only(_compute(synth_results), "AWS::ECS::TaskDefinition"))
    assert task["RuntimePlatform"] == {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"}
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    (container,) = task["ContainerDefinitions"]
    assert container["ReadonlyRootFilesystem"] is True
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert "CONFIRMATION_SIGNING_KEY" not in env
    assert "CONFIRMATION_SIGNING_KEY_SECRET_ARN" not in env
    assert "ORIGIN_VERIFY_SECRET" not in env
    assert container["Secrets"] == [
        {"Name": "CONFIRMATION_SIGNING_KEY", "ValueFrom": {"Ref": "ConfirmationSigningKey403D0AC9"}},
        {"Name": "ORIGIN_VERIFY_SECRET", "ValueFrom": {"Ref": "OriginVerifySecret1DED2FB3"}},
    ]
    assert env["HOLD_TTL_SECONDS"] == "120"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["METRICS_NAMESPACE"] == "Labctl/Booking"
    assert {"TABLE_NAME", "HOLD_EXPIRY_QUEUE_URL", "BOOKING_EVENTS_QUEUE_URL", "STORE"} <= set(env)
    assert "/healthz" in flat(container["HealthCheck"]["Command"])


def test_task_role_has_only_named_table_and_queue_actions(synth_results: dict[str, SynthResult]) -> None:
    stmts = statements(_compute(synth_results), "ApiTaskRole")
    assert len(stmts) == 3
    table_stmt, *queue_stmts = stmts
    assert table_stmt["Action"] == list(API_TABLE_ACTIONS)
    assert len(table_stmt["Resource"]) == 2
    assert flat(table_stmt["Resource"][1]).endswith('"/index/GSI1"]]}')
    for stmt in queue_stmts:
        assert stmt["Action"] == list(API_QUEUE_ACTIONS)
        assert "Queue" in flat(stmt["Resource"])
    assert not any("*" in a for a in actions(stmts))
    assert "secretsmanager" not in flat(stmts)


def test_execution_role_pulls_the_image_writes_its_logs_and_reads_the_two_secrets(
    synth_results: dict[str, SynthResult],
) -> None:
    stmts = statements(_compute(synth_results), "ApiExecutionRole")
    reads = [
        s["Resource"]
        for s in stmts
        if s["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    ]
    assert reads == [{"Ref": "ConfirmationSigningKey403D0AC9"}, {"Ref": "OriginVerifySecret1DED2FB3"}]
    stmts = [s for s in stmts if s["Resource"] not in reads]
    by_action = {tuple(s["Action"]) if isinstance(s["Action"], list) else (s["Action"],): s["Resource"] for s in stmts}
    assert by_action == {
        ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"): by_action[
            ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
        ],
        ("ecr:GetAuthorizationToken",): "*",
        ("logs:CreateLogStream", "logs:PutLogEvents"): {"Fn::GetAtt": ["ApiLogsCD139AD4", "Arn"]},
    }
    assert "container-assets" in flat(
        by_action[("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")]
    )
    assert "dynamodb" not in flat(stmts)
    assert "sqs" not in flat(stmts)


def test_autoscaling_tracks_requests_per_target_and_cpu(synth_results: dict[str, SynthResult]) -> None:
    compute = _compute(synth_results)
    target = props(only(compute, "AWS::ApplicationAutoScaling::ScalableTarget"))
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    policies = [
        props(p)["TargetTrackingScalingPolicyConfiguration"]
        for p in resources(compute, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]
    kinds = {p["PredefinedMetricSpecification"]["PredefinedMetricType"]: p["TargetValue"] for p in policies}
    assert kinds == {"ALBRequestCountPerTarget": 200, "ECSServiceAverageCPUUtilization": 60}


def test_the_image_is_an_arm64_asset_built_at_deploy_time_from_the_repo_dockerfile(
    synth_results: dict[str, SynthResult],
) -> None:
    import json

    result = synth_results["fargate"]
    manifest = json.loads((result.outdir / f"{result.config.stack_name('compute')}.assets.json").read_text())
    (image,) = manifest["dockerImages"].values()
    assert image["source"]["dockerFile"] == "Dockerfile"
    assert image["source"]["platform"] == "linux/arm64"
    staged = result.outdir / image["source"]["directory"]
    # The staged build context is filtered by .dockerignore; nothing was built (no Docker here).
    assert sorted(p.name for p in staged.iterdir()) == [
        ".dockerignore",
        "Dockerfile",
        "api",
        "contracts",
        "requirements",
    ]
    assert [p.name for p in (staged / "requirements").iterdir()] == ["image.txt"]  # the image's lock, nothing else
    assert not list(staged.rglob("__pycache__"))
