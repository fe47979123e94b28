"""An independent recomputation of a lab's fixed cost per hour, from list prices and the raw templates.

It shares no code with labctl.cost: it counts resources in the synthesized templates itself, counts
the API's custom metrics by driving the API's EMF observer over every route and outcome, measures
the asset objects a deploy uploads by zipping the cloud assembly's staged assets, and prices all of
it with contracts/prices.json. The image size cannot be measured without Docker: it takes the same
assumption as the estimate. `python -m tests.infra.recompute [region]` prints each item next to
labctl's estimate for both compute modes.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from labctl.cost.templates import read_assembly

REPO = Path(__file__).resolve().parents[2]
PRICES = json.loads((REPO / "contracts" / "prices.json").read_text())
HOURS = PRICES["hours_per_month"]
IMAGE_MB = 90  # not measurable without Docker: the estimate's own assumption


def price(key: str, region: str) -> float:
    return float(PRICES["prices"][key]["usd"][region])


def _all(templates: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for t in templates.values() for r in t["Resources"].values() if r["Type"] == kind]


def api_metrics() -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every (metric, dimensions) the API's EMF observer emits, over every route, method and outcome."""
    from api.http.app import create_app
    from api.http.metrics import UNMETERED, EmfObserver
    from api.settings import Settings

    settings = Settings(store="memory")
    app = create_app(settings, observers=[])
    observer = EmfObserver(settings)
    observer.learn_routes(app)
    skip = {"/api/openapi.json", "/api/docs", "/api/docs/oauth2-redirect", *UNMETERED}
    outcomes = [(201, None), (402, "payment_declined"), (500, None), (409, "hold_expired"), (409, "hold_released")]
    outcomes += [(409, "seats_unavailable"), (503, "seat_lock_contended"), (200, None)]
    found: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/") or path in skip:
            continue
        for method in (m.upper() for m in operations):
            for status, code in outcomes:
                doc = observer.document(path, method, status, 12.0, code, now_ms=0)
                assert doc is not None
                for directive in doc["_aws"]["CloudWatchMetrics"]:
                    for dims in directive["Dimensions"]:
                        key = tuple((d, str(doc[d])) for d in dims)
                        found |= {(m["Name"], key) for m in directive["Metrics"]}
    return found


def worker_metrics() -> set[tuple[str, str]]:
    """(metric, service) of the Lambda workers: their outcome tables, failed records, the sweeper's count."""
    from api.workers import booking_events, hold_expiry

    found = {(m, "hold-expiry") for m in hold_expiry.OUTCOME_METRIC.values()}
    found |= {(m, "booking-events") for m in booking_events.OUTCOME_METRIC.values()}
    failed = re.findall(r'count\(self\._?metrics, "(\w+)"\)', (REPO / "api/workers/batch.py").read_text())
    found |= {(m, service) for m in failed for service in ("hold-expiry", "booking-events")}  # both use SqsBatch
    sweeper = re.findall(r'count\(metrics, "(\w+)"', (REPO / "api/workers/outbox_sweeper.py").read_text())
    return found | {(m, "outbox-sweeper") for m in sweeper}


def asset_megabytes(outdir: Path) -> float:
    """The file assets a deploy uploads (directories zipped as CDK does), once each, in MB."""
    total, seen = 0, set()
    for manifest in outdir.glob("*.assets.json"):
        for key, asset in json.loads(manifest.read_text()).get("files", {}).items():
            if key in seen:
                continue
            seen.add(key)
            path = outdir / asset["source"]["path"]
            if path.is_dir():
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                    for file in sorted(p for p in path.rglob("*") if p.is_file()):
                        z.write(file, file.relative_to(path))
                total += len(buf.getvalue())
            else:
                total += path.stat().st_size
    return total / 1e6


def recompute(templates: dict[str, Any], outdir: Path, region: str) -> dict[str, float]:
    """Fixed cost per hour by item, in USD."""
    items: dict[str, float] = {}
    albs = [
        p
        for p in _all(templates, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        if p.get("Type", "application") == "application"
    ]
    vcpu = gb = 0.0
    public = 0
    for service in _all(templates, "AWS::ECS::Service"):
        (task,) = _all(templates, "AWS::ECS::TaskDefinition")  # one task definition per lab
        n = int(service["DesiredCount"])
        vcpu += n * int(task["Cpu"]) / 1024
        gb += n * int(task["Memory"]) / 1024
        public += n if service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "ENABLED" else 0
    items["ALB hours"] = len(albs) * price("alb_hour", region)
    items["public IPv4 (ALB subnets + tasks)"] = (sum(len(a["Subnets"]) for a in albs) + public) * price(
        "public_ipv4_hour", region
    )
    items["Fargate ARM vCPU + GB"] = vcpu * price("fargate_vcpu_hour_arm", region) + gb * price(
        "fargate_gb_hour_arm", region
    )
    acls = _all(templates, "AWS::WAFv2::WebACL")
    waf_month = len(acls) * price("waf_web_acl_month", region)
    waf_month += sum(len(a["Rules"]) for a in acls) * price("waf_rule_month", region)
    items["WAF web ACL + rules"] = waf_month / HOURS
    items["secrets"] = len(_all(templates, "AWS::SecretsManager::Secret")) * price("secret_month", region) / HOURS
    items["KMS keys"] = len(_all(templates, "AWS::KMS::Key")) * price("kms_key_month", region) / HOURS
    alarms = _all(templates, "AWS::CloudWatch::Alarm")
    metrics = sum(max(1, sum("MetricStat" in m for m in a.get("Metrics", []))) for a in alarms)
    policies = _all(templates, "AWS::ApplicationAutoScaling::ScalingPolicy")
    alarm_metrics = metrics + 2 * sum(p["PolicyType"] == "TargetTrackingScaling" for p in policies)
    items["alarm metrics beyond the 10 free"] = max(0, alarm_metrics - 10) * price("cw_alarm_month", region) / HOURS
    composites = len(_all(templates, "AWS::CloudWatch::CompositeAlarm"))
    items["composite alarms"] = composites * price("cw_composite_alarm_month", region) / HOURS
    boards = len(_all(templates, "AWS::CloudWatch::Dashboard"))
    items["dashboards beyond the 3 free"] = max(0, boards - 3) * price("cw_dashboard_month", region) / HOURS
    custom = len(api_metrics()) + len(worker_metrics())
    items["custom metrics beyond the 10 free"] = max(0, custom - 10) * price("cw_custom_metric_month", region) / HOURS
    image = IMAGE_MB / 1e3 * price("ecr_gb_month", region)
    items["ECR image + asset objects (stay after down)"] = (
        image + asset_megabytes(outdir) / 1e3 * price("s3_gb_month", region)
    ) / HOURS
    return items


def _synth(mode: str, region: str, outdir: Path) -> dict[str, Any]:
    from infra.app import build_app
    from infra.config import LabConfig

    build_app(LabConfig(region=region, compute=mode), outdir=str(outdir), nag=False).synth()  # type: ignore[arg-type]
    return read_assembly(outdir)


def main(region: str) -> None:
    """Print, per compute mode, every recomputed item and the two totals side by side."""
    from labctl.cost.estimate import estimate

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    for mode in ("fargate", "lambda"):
        with tempfile.TemporaryDirectory(prefix="recompute-") as tmp:
            templates = _synth(mode, region, Path(tmp))
            items = recompute(templates, Path(tmp), region)
        est = estimate(templates, region=region, ttl_hours=1, requests=0)
        print(f"\n{mode} lab in {region}, fixed cost per hour")
        for item, usd in items.items():
            print(f"  {item:45s} ${usd:.6f}")
        total = sum(items.values())
        diff = (est.per_hour_usd - total) / total
        print(f"  {'recomputed':45s} ${total:.6f}")
        print(f"  {'labctl cost estimate':45s} ${est.per_hour_usd:.6f}  ({diff:+.2%})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "us-east-1")
