"""labctl up/down/status/extend on AWS (called lazily by labctl.commands.lifecycle)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from labctl.durations import CLOUD_TTL, EXTEND, hours, parse_duration
from labctl.lifecycle import aws, cdk, lab, teardown
from labctl.output import EXIT_FAILURE, LabError, console, print_json

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
    hold_ttl: int,
    yes: bool,
    dry_run: bool,
    as_json: bool,
    image_tag: str = "",
) -> None:
    """Preflight, synth, estimate, confirm, deploy (timer first), then print URLs and expiry."""
    from labctl.cost.estimate import estimate
    from labctl.cost.templates import read_assembly

    ttl_delta = parse_duration(ttl, CLOUD_TTL)
    if compute not in ("fargate", "lambda"):
        raise LabError("invalid_compute", f"--compute {compute!r} is not fargate or lambda.")
    sess = aws.session(profile, region)
    region = str(sess.region_name)
    ident = aws.identity(sess)
    name = aws.lab_name()
    regions = sorted(set(lab.layout(name, region).values()))
    bootstrap = aws.check_bootstrap(sess, ident["account"], regions)
    tools = aws.check_tools()
    expires = (clock() + ttl_delta).replace(microsecond=0)
    context = {
        "lab_name": name,
        "compute": compute,
        "region": region,
        "owner": ident["arn"].rsplit("/", 1)[-1],
        "alert_email": alert_email,
        "hold_ttl_seconds": str(hold_ttl),
        "expires_at": _iso(expires),
        "image_tag": image_tag,  # empty: build the Dockerfile as a CDK asset
        **_domain_context(sess, domain),
    }
    workdir = Path(tempfile.mkdtemp(prefix="labctl-up-"))
    assembly = workdir / "cdk.out"
    cdk.synth(context, assembly)
    est = estimate(read_assembly(assembly), region=region, ttl_hours=hours(ttl_delta), requests=10_000)
    commands = cdk.deploy_commands(context, assembly, lab.control_name(name), workdir / "outputs.json")
    plan = {
        "lab": name,
        "account": ident["account"],
        "region": region,
        "compute": compute,
        "expires_at": _iso(expires),
        "bootstrap": bootstrap,
        "tools": tools,
        "commands": [" ".join(c) for c in commands],
        "estimate": est.as_dict(),
    }
    if not as_json:
        console.print(
            f"lab [bold]{name}[/] ({compute}) in {region}, account {ident['account']}, expires {_iso(expires)}"
        )
        console.print(
            f"estimate: ${est.per_hour_usd:.4f}/h, ${est.total_usd:.4f} for {ttl} "
            f"(10000 requests), ${est.per_month_usd:.2f}/month if it were never deleted"
        )
    if dry_run:
        if as_json:
            print_json({"dry_run": True, **plan})
        else:
            console.print("[yellow]dry run[/]: nothing deployed. Would run:")
            for command in plan["commands"]:
                console.print(f"  {command}")
        return
    if not yes:
        if as_json:
            raise LabError("confirmation_required", "Deploying costs money; --json cannot ask.", "Add --yes.")
        if not typer.confirm(f"Deploy lab {name} for {ttl} (about ${est.total_usd:.2f})?"):
            raise LabError("aborted", "Nothing deployed.", exit_code=EXIT_FAILURE)
    from labctl.lifecycle.progress import deploy_with_progress

    outputs = deploy_with_progress(sess, commands, lab.layout(name, region), quiet=as_json)
    result = {**plan, "outputs": outputs, **_urls(outputs)}
    if as_json:
        print_json(result)
    else:
        console.print(f"[green]deployed[/] demo: {result['demo_url']}  api: {result['api_url']}")
        console.print(f"self-destructs at {_iso(expires)} (labctl extend 1h / labctl down)")


def _domain_context(sess: Any, domain: str) -> dict[str, str]:
    """--domain needs the Route 53 hosted zone that contains it."""
    if not domain:
        return {}
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


def status(profile: str, region: str, as_json: bool) -> None:
    """Stacks, states, outputs, time left and the cost accrued so far (same model as cost estimate)."""
    from labctl.cost.estimate import estimate

    sess = aws.session(profile, region)
    region = str(sess.region_name)
    name, now = aws.lab_name(), clock()
    infos = lab.describe(sess, name, region)
    live = [i for i in infos if i.status != "NOT_FOUND"]
    schedule = lab.get_schedule(sess, name, region)
    expires = lab.parse_at(schedule["ScheduleExpression"]) if schedule else None
    accrued = per_hour = None
    if live:
        started = min(i.created for i in live if i.created) if any(i.created for i in live) else now
        elapsed = max(0.0, (now - started).total_seconds() / 3600)
        est = estimate(lab.templates(sess, live), region=region, ttl_hours=elapsed, requests=0)
        accrued, per_hour = est.fixed_usd, est.per_hour_usd
    result = {
        "lab": name,
        "region": region,
        "deployed": bool(live),
        "stacks": [i.as_dict() for i in infos],
        "expires_at": _iso(expires) if expires else None,
        "seconds_left": int((expires - now).total_seconds()) if expires else None,
        "per_hour_usd": per_hour,
        "accrued_usd": accrued,
    }
    if as_json:
        print_json(result)
        return
    for info in infos:
        console.print(f"{info.name:<24} {info.region:<10} {info.status}")
    if not live:
        console.print(f"lab {name} is not deployed in {region}")
        return
    left = f"{int((expires - now).total_seconds()) // 60} min left (expires {_iso(expires)})" if expires else "no timer"
    console.print(f"{left}; ${per_hour:.4f}/h, about ${accrued:.4f} so far (fixed costs, list prices)")


def extend(duration: str, profile: str, region: str, as_json: bool) -> None:
    """Move the expiry schedule later, capped at 12 h from now."""
    by = parse_duration(duration, EXTEND)
    sess = aws.session(profile, region)
    new, capped = lab.move_schedule(sess, aws.lab_name(), str(sess.region_name), by, clock())
    result = {"lab": aws.lab_name(), "expires_at": _iso(new), "capped": capped}
    if as_json:
        print_json(result)
    else:
        console.print(
            f"lab {aws.lab_name()} now expires at {_iso(new)}" + (" (capped at 12 h from now)" if capped else "")
        )


def down(yes: bool, profile: str, region: str, as_json: bool) -> None:
    """Delete every stack (reverse order, control last), wait, then list anything still tagged."""
    sess = aws.session(profile, region)
    region, name = str(sess.region_name), aws.lab_name()
    if not yes:
        if as_json:
            raise LabError("confirmation_required", "Deleting the lab needs confirmation.", "Add --yes.")
        if not typer.confirm(f"Delete every stack of lab {name} in {region}?"):
            raise LabError("aborted", "Nothing deleted.", exit_code=EXIT_FAILURE)
    report = teardown.destroy(sess, name, region, sleep=sleep, quiet=as_json)
    if as_json:
        print_json(report)
    else:
        for arn in report["leftovers"]:
            console.print(f"[red]still exists[/] {arn}")
        if report["status"] == "deleted" and not report["leftovers"]:
            console.print(f"[green]lab {name} deleted[/]; nothing tagged lab:name={name} remains")
    if report["status"] != "deleted" or report["leftovers"]:
        names = ", ".join(f"{f['stack']}/{f['logical_id']}" for f in report["failures"]) or ", ".join(
            report["leftovers"]
        )
        raise LabError(
            "resources_remain",
            f"Lab {name} is not fully deleted: {names}",
            "Fix or delete these by hand, then run `labctl down` again.",
            exit_code=EXIT_FAILURE,
        )
