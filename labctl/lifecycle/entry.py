"""labctl up/down/status/extend on AWS: each returns its typed result (called lazily by labctl.commands.lifecycle)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from infra.config import EMAIL
from labctl.durations import CLOUD_TTL, EXTEND, hours, parse_duration
from labctl.lifecycle import assets, aws, cdk, lab, teardown
from labctl.lifecycle.results import DownReport, ExtendResult, StatusResult, UpResult, show_plan
from labctl.output import EXIT_FAILURE, LabError

clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - replaced in tests
sleep: Callable[[float], None] = time.sleep


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def up(
    ttl: str,
    compute: str,
    region: str,
    profile: str,
    domain: str,
    alert_email: str,
    no_alerts: bool,
    hold_ttl: int,
    yes: bool,
    dry_run: bool,
    as_json: bool,
    image_tag: str = "",
) -> UpResult:
    """Preflight, synth, estimate, confirm, deploy (timer first); the plan, then the URLs and expiry.

    A dry run needs no credentials: synth, estimate and plan are offline; only the deploy is not."""
    from labctl.cost.estimate import estimate
    from labctl.cost.templates import read_assembly

    ttl_delta = parse_duration(ttl, CLOUD_TTL)
    if compute not in ("fargate", "lambda"):
        raise LabError("invalid_compute", f"--compute {compute!r} is not fargate or lambda.")
    _check_alerts(alert_email, no_alerts)
    sess = aws.session(profile, region)
    region = str(sess.region_name)
    name = aws.lab_name()
    regions = sorted(set(lab.layout(name, region).values()))
    offline = dry_run and not aws.has_credentials(sess)
    ident = {"account": "", "arn": ""} if offline else aws.identity(sess)
    bootstrap = {} if offline else aws.check_bootstrap(sess, ident["account"], regions)
    tools = aws.check_tools()
    expires = (clock() + ttl_delta).replace(microsecond=0)
    context = {
        "lab_name": name,
        "compute": compute,
        "region": region,
        "owner": ident["arn"].rsplit("/", 1)[-1] or "unassigned",
        "alert_email": alert_email,
        "hold_ttl_seconds": str(hold_ttl),
        "expires_at": _iso(expires),
        "image_tag": image_tag,  # empty: build the Dockerfile as a CDK asset
        **_domain_context(sess, domain, offline=offline),
    }
    workdir = Path(tempfile.mkdtemp(prefix="labctl-up-"))
    assembly = workdir / "cdk.out"
    cdk.synth(context, assembly)
    est = estimate(read_assembly(assembly), region=region, ttl_hours=hours(ttl_delta), requests=10_000)
    commands = cdk.deploy_commands(context, assembly, lab.control_name(name), workdir / "outputs.json")
    plan: dict[str, Any] = {
        "lab": name,
        "account": ident["account"] or None,
        "region": region,
        "compute": compute,
        "expires_at": _iso(expires),
        "alerts": alert_email or None,
        "bootstrap": bootstrap,
        "tools": tools,
        "not_checked": ["credentials", "CDK bootstrap"] if offline else [],
        "commands": [" ".join(c) for c in commands],
        "estimate": est.as_dict(),
    }
    if dry_run:
        return UpResult(plan, dry_run=True)
    if not yes:
        if as_json:
            raise LabError("confirmation_required", "Deploying costs money; --json cannot ask.", "Add --yes.")
        show_plan(plan)
        if not typer.confirm(f"Deploy lab {name} for {ttl} (about ${est.total_usd:.2f})?"):
            raise LabError("aborted", "Nothing deployed.", exit_code=EXIT_FAILURE)
    from labctl.lifecycle.progress import deploy_with_progress

    outputs = deploy_with_progress(sess, commands, lab.layout(name, region), quiet=as_json)
    return UpResult(plan, dry_run=False, outputs=outputs, urls=_urls(outputs), shown=not yes)


def _check_alerts(alert_email: str, no_alerts: bool) -> None:
    """An address for the alerts (a stuck reaper, the budget), or an explicit --no-alerts."""
    if alert_email and no_alerts:
        raise LabError("conflicting_alerts", "--alert-email and --no-alerts contradict each other.", "Pick one.")
    if not alert_email and not no_alerts:
        raise LabError(
            "no_alert_address",
            "No address for the lab's alerts: a reaper that cannot delete the lab, or the budget, would tell nobody.",
            "Pass --alert-email you@example.com (or set LAB_ALERT_EMAIL); --no-alerts deploys without alerts.",
        )
    if alert_email and not EMAIL.match(alert_email):
        raise LabError("invalid_alert_email", f"--alert-email {alert_email!r} is not an e-mail address.")


def _domain_context(sess: Any, domain: str, *, offline: bool = False) -> dict[str, str]:
    """--domain needs the Route 53 hosted zone that contains it (so credentials, even for a dry run)."""
    if not domain:
        return {}
    if offline:
        raise LabError(
            "no_credentials",
            f"--domain {domain} needs AWS credentials to find its Route 53 hosted zone.",
            "Run `aws configure` or `aws sso login`, or leave out --domain for an offline dry run.",
        )
    zones = sess.client("route53").list_hosted_zones()["HostedZones"]
    candidates = [z for z in zones if f".{domain}.".endswith("." + z["Name"]) and not z["Config"]["PrivateZone"]]
    if not candidates:
        raise LabError(
            "hosted_zone_not_found",
            f"No public Route 53 hosted zone contains {domain}.",
            "Create the zone (and delegate it) first, or leave out --domain.",
        )
    zone = max(candidates, key=lambda z: len(z["Name"]))
    return {
        "domain": domain,
        "hosted_zone_id": zone["Id"].rsplit("/", 1)[-1],
        "hosted_zone_name": zone["Name"].rstrip("."),
    }


def _urls(outputs: dict[str, dict[str, str]]) -> dict[str, str]:
    demo = next((v for s, o in outputs.items() if s.endswith("-edge") for k, v in o.items() if k == "Url"), "")
    api = next((v for o in outputs.values() for k, v in o.items() if k.lower() in ("apiurl", "httpapiurl")), "")
    return {"demo_url": demo, "api_url": api or (f"{demo}/api" if demo else "")}


def status(profile: str, region: str) -> StatusResult:
    """Stacks, states, time left, the cost so far and the reaper's last outcome (exit 1 if the reaper failed)."""
    from labctl.lifecycle import status as cloud_status

    sess = aws.session(profile, region)
    return StatusResult(cloud_status.gather(sess, aws.lab_name(), str(sess.region_name), clock()))


def extend(duration: str, profile: str, region: str) -> ExtendResult:
    """Move the expiry schedule later, capped at 12 h from now."""
    by = parse_duration(duration, EXTEND)
    sess = aws.session(profile, region)
    new, capped = lab.move_schedule(sess, aws.lab_name(), str(sess.region_name), by, clock())
    return ExtendResult(aws.lab_name(), _iso(new), capped)


def down(yes: bool, profile: str, region: str, purge_assets: bool, as_json: bool) -> DownReport:
    """Delete every stack (dependency order, control last), list what is still tagged and what stays on purpose."""
    from labctl.lifecycle import status as cloud_status

    sess = aws.session(profile, region)
    region, name = str(sess.region_name), aws.lab_name()
    account = aws.identity(sess)["account"]
    if not yes:
        if as_json:
            raise LabError("confirmation_required", "Deleting the lab needs confirmation.", "Add --yes.")
        if not typer.confirm(f"Delete every stack of lab {name} in {region}?"):
            raise LabError("aborted", "Nothing deleted.", exit_code=EXIT_FAILURE)
    before = cloud_status.last_outcome(sess, name, region, [])  # the reaper may have read the assets already
    result = teardown.destroy(sess, name, region, account, sleep=sleep, clock=clock, quiet=as_json)
    refs = result.assets or (before or {}).get("assets", {})
    left = assets.inventory(sess, name, account, refs, region)
    purged: list[str] = []
    if purge_assets:
        shared = assets.used_elsewhere(sess, sorted(refs), set(lab.layout(name, region)))
        purged = assets.purge(sess, left, shared)
        left = assets.inventory(sess, name, account, refs, region)
    report = DownReport(result, left, purged)
    if result.status != "deleted":
        stuck = [f"{f['stack']}/{f['logical_id']}" for f in result.failures] or list(result.stacks) or result.leftovers
        report.error = LabError(
            "resources_remain",
            f"Lab {name} is not fully deleted: {', '.join(stuck)}",
            "Fix or delete these by hand (the reasons are above), then run `labctl down` again.",
            exit_code=EXIT_FAILURE,
        )
    return report
