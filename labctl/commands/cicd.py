"""labctl cicd: the GitHub Actions pipeline's AWS side and its steps (thin: parse, call, render)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from labctl.output import EXIT_FAILURE, LabError, console, emit, reporting

if TYPE_CHECKING:
    from labctl.cicd.bootstrap import Bootstrapped, Plan
    from labctl.cicd.expiry import Verdict
    from labctl.cicd.smoke import SmokeResult
    from labctl.cicd.summary import Outcome

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
RegionOpt = Annotated[str, typer.Option("--region", help="AWS region of the lab (default: profile/env).")]
ProfileOpt = Annotated[str, typer.Option("--profile", help="AWS profile.")]
LabOpt = Annotated[str, typer.Option("--lab", help="Lab name (default: LAB_NAME or labctl).")]


@app.callback()
def _group() -> None:
    """GitHub Actions with OIDC: the deploy role, the smoke test, the expiry check, the job summary."""


@app.command()
def bootstrap(
    repo: Annotated[str, typer.Option("--repo", help="The GitHub repository allowed to deploy: OWNER/NAME.")],
    lab: LabOpt = "",
    region: RegionOpt = "",
    environment: Annotated[str, typer.Option("--environment", help="GitHub environment of deploy jobs.")] = "deploy",
    branch: Annotated[str, typer.Option("--branch", help="Branch whose jobs may assume the role.")] = "main",
    oidc_provider: Annotated[
        str, typer.Option("--oidc-provider", help="auto (reuse the account's if any), create or import.")
    ] = "auto",
    profile: ProfileOpt = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Synthesize and show the trust; no AWS.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Deploy the `<lab>-cicd` stack once: GitHub OIDC provider, deploy role, image repository."""
    with reporting(as_json=as_json):
        import tempfile

        from labctl.cicd import bootstrap as cicd
        from labctl.lifecycle import aws

        if oidc_provider not in ("auto", "create", "import"):
            raise LabError(
                "invalid_oidc_provider", f"--oidc-provider {oidc_provider!r}.", "Use auto, create or import."
            )
        sess = None
        if not dry_run:
            sess = aws.session(profile, region)
            region = str(sess.region_name)
        mode = oidc_provider
        if mode == "auto":
            mode = "import" if sess is not None and cicd.existing_provider(sess) else "create"
        config = cicd.config(repo, lab or aws.lab_name(), region or "us-east-1", environment, branch, mode)
        if sess is None:
            emit(cicd.plan(config, Path(tempfile.mkdtemp(prefix="labctl-cicd-"))), as_json, _render_plan)
            return
        if not yes:
            if as_json:
                raise LabError("confirmation_required", "Creating IAM trust needs confirmation.", "Add --yes.")
            if not typer.confirm(f"Let {config.repository} deploy lab {config.lab_name} in {config.region}?"):
                raise LabError("aborted", "Nothing deployed.", exit_code=EXIT_FAILURE)
        emit(cicd.deploy(config, sess, quiet=as_json), as_json, _render_bootstrapped)


def _render_plan(plan: Plan) -> None:
    doc = plan.to_json()
    console.print(
        f"[bold]{doc['stack']}[/] in {doc['region']}: {doc['repository']} may deploy "
        f"(OIDC provider: {doc['oidc_provider']}, images: {doc['image_repository']})"
    )
    console.print("trust policy (who may assume the deploy role):")
    console.print_json(json.dumps(doc["trust_policy"]))
    console.print("permissions:")
    for p in plan.permissions:
        console.print(f"  [cyan]{p['sid']}[/]: {', '.join(p['actions'])}")
        for resource in p["resources"]:
            console.print(f"      {resource}", markup=False)
    console.print("[yellow]dry run[/]: nothing deployed; cdk-nag found nothing unacknowledged.")


def _render_bootstrapped(done: Bootstrapped) -> None:
    console.print(f"[green]deployed[/] {done.plan.config.stack_name} in account {done.account}:")
    for key, value in done.outputs.items():
        console.print(f"  {key}: {value}", markup=False)
    console.print("Give the workflows what they read:")
    for step in done.next_steps:
        console.print(f"  {step}", markup=False)


@app.command()
def expired(
    lab: LabOpt = "",
    region: RegionOpt = "",
    profile: ProfileOpt = "",
    grace: Annotated[str, typer.Option("--grace", help="How long after the expiry the reaper may take.")] = "15m",
    as_json: JsonOpt = False,
) -> None:
    """Is the cloud lab past its expiry (plus grace), so `labctl down` should run? Exit 0 either way."""
    with reporting(as_json=as_json):
        from labctl.cicd import expiry
        from labctl.durations import EXPIRY_GRACE, parse_duration
        from labctl.lifecycle import aws

        window = parse_duration(grace, EXPIRY_GRACE)
        sess = aws.session(profile, region)
        try:
            verdict = expiry.check(sess, lab or aws.lab_name(), str(sess.region_name), datetime.now(UTC), window)
        except ValueError as err:
            raise LabError("invalid_lab_name", str(err), "Use 3-20 chars of a-z, 0-9 and '-'.") from None
        emit(verdict, as_json, _render_verdict)


def _render_verdict(verdict: Verdict) -> None:
    word = "[red]due for teardown[/]" if verdict.due else "[green]not due[/]"
    at = verdict.expires_at or "no timer"
    console.print(f"lab {verdict.lab} in {verdict.region}: {word} ({verdict.reason}); expires {at}")


@app.command()
def smoke(
    url: Annotated[str, typer.Option("--url", help="The demo URL (the API answers under /api).")],
    wait: Annotated[str, typer.Option("--wait", help="How long the catalog may take to answer.")] = "5m",
    as_json: JsonOpt = False,
) -> None:
    """Book one seat through the front door: catalog, show, seat, hold, booking, read back (exit 1 if not)."""
    with reporting(as_json=as_json):
        from labctl.cicd import smoke as smoke_test
        from labctl.durations import SMOKE_WAIT, parse_duration

        if not url.startswith(("https://", "http://")):
            raise LabError("invalid_url", f"--url {url!r} is not an http(s) URL.", "e.g. https://d123.cloudfront.net")
        emit(smoke_test.run(url, wait_s=parse_duration(wait, SMOKE_WAIT).total_seconds()), as_json, _render_smoke)


def _render_smoke(result: SmokeResult) -> None:
    for step in result.steps:
        mark = "[green]ok[/]" if step.ok else "[red]FAILED[/]"
        console.print(f"{step.name:<14} {mark} {step.ms:>8.1f} ms {step.detail}")
    if result.ok:
        console.print(f"booked seat {result.seat}, reference {result.reference}")


def _read(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text() or "null")
    except json.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


@app.command()
def summary(
    up: Annotated[Path | None, typer.Option("--up", help="`labctl up --json` output.")] = None,
    smoke_file: Annotated[Path | None, typer.Option("--smoke", help="`labctl cicd smoke --json` output.")] = None,
    status: Annotated[Path | None, typer.Option("--status", help="`labctl status --json` output.")] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="The compute stack's `describe-stack-events` JSON.")
    ] = None,
    image: Annotated[str, typer.Option("--image", help="The image URI that was deployed.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """The deploy job's summary in Markdown (missing or broken files count as steps that did not run)."""
    with reporting(as_json=as_json):
        from labctl.cicd import summary as job_summary

        outcome = job_summary.render(_read(up), _read(smoke_file), _read(status), image=image, events=_read(events))
        emit(outcome, as_json, _render_outcome)


def _render_outcome(outcome: Outcome) -> None:
    typer.echo(outcome.markdown, nl=False)
