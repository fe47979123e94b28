"""labctl up / down / status / extend: the lab's lifecycle, local or on AWS.

Thin: parse the options, then hand over to labctl.local.entry (one machine) or labctl.lifecycle.entry
(AWS, which returns a typed result for `emit`). Both are imported lazily: nothing heavy at import time.
"""

from __future__ import annotations

from typing import Annotated

import typer

from labctl.commands.options import JsonOpt
from labctl.output import LabError, emit, reporting

LocalUp = Annotated[bool, typer.Option("--local", help="Run everything on this machine, no AWS account.")]
Port = Annotated[int, typer.Option("--port", help="[local] Port of the API and web UI.")]
Ttl = Annotated[str, typer.Option("--ttl", help="Self-destruct after this long (local default 30m; cloud 15m..12h).")]
HoldTtl = Annotated[int, typer.Option("--hold-ttl", help="Seconds a seat hold lasts (5-900).")]
Detach = Annotated[bool, typer.Option("--detach", help="[local] Run in the background.")]
Compute = Annotated[str, typer.Option("--compute", help="[cloud] fargate or lambda.")]
Region = Annotated[str, typer.Option("--region", help="[cloud] AWS region (default: profile/env).")]
Profile = Annotated[str, typer.Option("--profile", help="[cloud] AWS profile.")]
Domain = Annotated[str, typer.Option("--domain", help="[cloud] Custom domain (needs a Route 53 hosted zone).")]
AlertEmail = Annotated[
    str, typer.Option("--alert-email", envvar="LAB_ALERT_EMAIL", help="[cloud] Where the lab's alerts go (required).")
]
NoAlerts = Annotated[bool, typer.Option("--no-alerts", help="[cloud] Deploy without an alert address.")]
Yes = Annotated[bool, typer.Option("--yes", help="[cloud] Do not ask for confirmation.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="[cloud] Everything but the deploy (no credentials needed).")]
ImageTag = Annotated[
    str, typer.Option("--image-tag", help="[cloud] Deploy <lab>-api:TAG from ECR (pushed by CI) instead of building.")
]
LocalOnly = Annotated[bool, typer.Option("--local", help="The local lab.")]
PurgeAssets = Annotated[
    bool, typer.Option("--purge-assets", help="[cloud] Also delete the lab's CDK asset objects and images.")
]
Duration = Annotated[str, typer.Argument(help="How much longer, e.g. 1h (capped at 12 h from now).")]


def register(app: typer.Typer) -> None:
    """Add up, down, status and extend to the root app."""

    @app.command()
    def up(
        local: LocalUp = False,
        port: Port = 8080,
        ttl: Ttl = "",
        hold_ttl: HoldTtl = 300,
        detach: Detach = False,
        compute: Compute = "fargate",
        region: Region = "",
        profile: Profile = "",
        domain: Domain = "",
        alert_email: AlertEmail = "",
        no_alerts: NoAlerts = False,
        yes: Yes = False,
        dry_run: DryRun = False,
        image_tag: ImageTag = "",
        as_json: JsonOpt = False,
    ) -> None:
        """Start the lab: locally with --local, otherwise on AWS with a self-destruct timer."""
        with reporting(as_json=as_json):
            if not 5 <= hold_ttl <= 900:
                raise LabError(
                    "invalid_hold_ttl",
                    f"--hold-ttl {hold_ttl} is out of range.",
                    "Use 5 to 900 seconds (SQS delivery delay is capped at 900 s).",
                )
            if local:
                from labctl.local import entry as local_entry
                from labctl.local.results import render_ready, render_stopped

                stopped = local_entry.up(
                    port=port,
                    ttl=ttl or "30m",
                    hold_ttl=hold_ttl,
                    detach=detach,
                    as_json=as_json,
                    on_ready=lambda ready: emit(ready, as_json, render_ready),
                )
                if stopped is not None:
                    emit(stopped, as_json, render_stopped)
                return
            from labctl.lifecycle import entry as cloud_entry
            from labctl.lifecycle.results import render_up

            result = cloud_entry.up(
                ttl=ttl or "2h",
                compute=compute,
                region=region,
                profile=profile,
                domain=domain,
                alert_email=alert_email,
                no_alerts=no_alerts,
                hold_ttl=hold_ttl,
                yes=yes,
                dry_run=dry_run,
                as_json=as_json,
                image_tag=image_tag,
            )
            emit(result, as_json, render_up)

    @app.command()
    def down(
        local: LocalOnly = False,
        yes: Yes = False,
        profile: Profile = "",
        region: Region = "",
        purge_assets: PurgeAssets = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Stop the lab and remove everything it created; say what stays on purpose."""
        with reporting(as_json=as_json):
            if local:
                from labctl.local import entry as local_entry
                from labctl.local.results import render_stopped

                emit(local_entry.down(as_json=as_json), as_json, render_stopped)
                return
            from labctl.lifecycle import entry as cloud_entry
            from labctl.lifecycle.results import render_down

            report = cloud_entry.down(
                yes=yes, profile=profile, region=region, purge_assets=purge_assets, as_json=as_json
            )
            emit(report, as_json, render_down)

    @app.command()
    def status(local: LocalOnly = False, profile: Profile = "", region: Region = "", as_json: JsonOpt = False) -> None:
        """Show services or stacks, health, counts, time left and what the reaper last did (exit 1 if it failed)."""
        with reporting(as_json=as_json):
            if local:
                from labctl.local import entry as local_entry
                from labctl.local.results import render_status as render_local_status

                emit(local_entry.status(as_json=as_json), as_json, render_local_status)
                return
            from labctl.lifecycle import entry as cloud_entry
            from labctl.lifecycle.results import render_status

            emit(cloud_entry.status(profile=profile, region=region), as_json, render_status)

    @app.command()
    def extend(duration: Duration, profile: Profile = "", region: Region = "", as_json: JsonOpt = False) -> None:
        """Move the cloud lab's self-destruct time."""
        with reporting(as_json=as_json):
            from labctl.lifecycle import entry as cloud_entry
            from labctl.lifecycle.results import render_extend

            emit(cloud_entry.extend(duration=duration, profile=profile, region=region), as_json, render_extend)
