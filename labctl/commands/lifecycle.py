"""labctl up / down / status / extend: the lab's lifecycle, local or on AWS.

Thin: parse the options, then hand over to labctl.local.entry (one machine) or
labctl.lifecycle.entry (AWS). Both are imported lazily: nothing heavy at import time.
"""

from __future__ import annotations

import typer

from labctl.output import LabError, emit, reporting


def register(app: typer.Typer) -> None:
    """Add up, down, status and extend to the root app."""

    @app.command()
    def up(
        local: bool = typer.Option(False, "--local", help="Run everything on this machine, no AWS account."),
        port: int = typer.Option(8080, "--port", help="[local] Port of the API and web UI."),
        ttl: str = typer.Option("", "--ttl", help="Self-destruct after this long (local default 30m; cloud 15m..12h)."),
        hold_ttl: int = typer.Option(300, "--hold-ttl", help="Seconds a seat hold lasts (5-900)."),
        detach: bool = typer.Option(False, "--detach", help="[local] Run in the background."),
        compute: str = typer.Option("fargate", "--compute", help="[cloud] fargate or lambda."),
        region: str = typer.Option("", "--region", help="[cloud] AWS region (default: profile/env)."),
        profile: str = typer.Option("", "--profile", help="[cloud] AWS profile."),
        domain: str = typer.Option("", "--domain", help="[cloud] Custom domain (needs a Route 53 hosted zone)."),
        alert_email: str = typer.Option("", "--alert-email", help="[cloud] Where to send lab alerts."),
        yes: bool = typer.Option(False, "--yes", help="[cloud] Do not ask for confirmation."),
        dry_run: bool = typer.Option(False, "--dry-run", help="[cloud] Everything but the deploy."),
        image_tag: str = typer.Option(
            "", "--image-tag", help="[cloud] Deploy <lab>-api:TAG from ECR (pushed by CI) instead of building."
        ),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
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
            else:
                from labctl.lifecycle import entry as cloud_entry

                cloud_entry.up(
                    ttl=ttl or "2h",
                    compute=compute,
                    region=region,
                    profile=profile,
                    domain=domain,
                    alert_email=alert_email,
                    hold_ttl=hold_ttl,
                    yes=yes,
                    dry_run=dry_run,
                    as_json=as_json,
                    image_tag=image_tag,
                )

    @app.command()
    def down(
        local: bool = typer.Option(False, "--local", help="Stop the local lab."),
        yes: bool = typer.Option(False, "--yes", help="[cloud] Do not ask for confirmation."),
        profile: str = typer.Option("", "--profile", help="[cloud] AWS profile."),
        region: str = typer.Option("", "--region", help="[cloud] AWS region."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Stop the lab and remove everything it created."""
        with reporting(as_json=as_json):
            if local:
                from labctl.local import entry as local_entry
                from labctl.local.results import render_stopped

                emit(local_entry.down(as_json=as_json), as_json, render_stopped)
            else:
                from labctl.lifecycle import entry as cloud_entry

                cloud_entry.down(yes=yes, profile=profile, region=region, as_json=as_json)

    @app.command()
    def status(
        local: bool = typer.Option(False, "--local", help="Status of the local lab."),
        profile: str = typer.Option("", "--profile", help="[cloud] AWS profile."),
        region: str = typer.Option("", "--region", help="[cloud] AWS region."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Show services or stacks, health, counts and time left."""
        with reporting(as_json=as_json):
            if local:
                from labctl.local import entry as local_entry
                from labctl.local.results import render_status

                emit(local_entry.status(as_json=as_json), as_json, render_status)
            else:
                from labctl.lifecycle import entry as cloud_entry

                cloud_entry.status(profile=profile, region=region, as_json=as_json)

    @app.command()
    def extend(
        duration: str = typer.Argument(..., help="How much longer, e.g. 1h (capped at 12 h from now)."),
        profile: str = typer.Option("", "--profile", help="AWS profile."),
        region: str = typer.Option("", "--region", help="AWS region."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Move the cloud lab's self-destruct time."""
        with reporting(as_json=as_json):
            from labctl.lifecycle import entry as cloud_entry

            cloud_entry.extend(duration=duration, profile=profile, region=region, as_json=as_json)
