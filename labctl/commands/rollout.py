"""labctl rollout --local: blue/green you can watch and break, on the local lab (thin: parse, call, render)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from labctl.commands.options import JsonOpt, LocalOpt
from labctl.output import LabError, console, emit, err_console, reporting

if TYPE_CHECKING:
    from labctl.rollout.result import RolloutResult
    from labctl.rollout.service import RolloutOptions

STRATEGIES = ("all-at-once", "canary")
BREAK_MODES = ("errors", "slow")
MAX_RPS = 500

DurationOpt = Annotated[str, typer.Option("--duration", help="How long the load runs at least (until the end).")]
RpsOpt = Annotated[int, typer.Option("--rps", help=f"Requests a second through the front door (1-{MAX_RPS}).")]
StrategyOpt = Annotated[str, typer.Option("--strategy", help="all-at-once, or canary (10%, then 100%).")]
BakeOpt = Annotated[str, typer.Option("--bake", help="How long green is watched after each shift.")]
BreakOpt = Annotated[bool, typer.Option("--break-green", help="Ship a green that fails after its health check.")]
ModeOpt = Annotated[str, typer.Option("--break-mode", help="How green fails: errors (503s) or slow (2.5 s).")]


def register(app: typer.Typer) -> None:
    """Add `rollout` to the root app."""

    @app.command()
    def rollout(
        local: LocalOpt = False,
        duration: DurationOpt = "60s",
        rps: RpsOpt = 50,
        strategy: StrategyOpt = "all-at-once",
        bake: BakeOpt = "10s",
        break_green: BreakOpt = False,
        break_mode: ModeOpt = "errors",
        as_json: JsonOpt = False,
    ) -> None:
        """Deploy a new API revision (green) beside blue under load; promote it, or roll back when it fails.

        Exit 0 promoted, 1 rolled back, 2 when the rollout could not run.
        """
        with reporting(as_json=as_json):
            opts = _options(local, duration, rps, strategy, bake, break_green, break_mode)
            result = _run(opts, as_json)
        from labctl.rollout.view import render

        emit(result, as_json, render)


def _options(
    local: bool, duration: str, rps: int, strategy: str, bake: str, break_green: bool, break_mode: str
) -> RolloutOptions:
    from labctl.durations import BAKE, ROLLOUT_LOAD, parse_duration
    from labctl.rollout.service import RolloutOptions

    if not local:
        raise LabError(
            "rollout_local_only",
            "`labctl rollout` drives the local lab's front door.",
            "Add --local. On AWS, ECS runs blue/green itself when `labctl up --image-tag` ships a new image.",
        )
    if not 1 <= rps <= MAX_RPS:
        raise LabError("invalid_rps", f"--rps {rps} is out of range.", f"Use 1 to {MAX_RPS} requests a second.")
    if strategy not in STRATEGIES:
        raise LabError("invalid_strategy", f"--strategy {strategy!r} is not known.", "Use all-at-once or canary.")
    if break_mode not in BREAK_MODES:
        raise LabError("invalid_break_mode", f"--break-mode {break_mode!r} is not known.", "Use errors or slow.")
    return RolloutOptions(
        strategy=strategy,
        duration_s=parse_duration(duration, ROLLOUT_LOAD).total_seconds(),
        rps=rps,
        bake_s=parse_duration(bake, BAKE).total_seconds(),
        break_mode=break_mode if break_green else None,
    )


def _run(opts: RolloutOptions, as_json: bool) -> RolloutResult:
    from labctl.rollout import service

    try:
        if as_json or not console.is_terminal:
            return service.run(opts)
        from rich.live import Live

        from labctl.rollout.view import panel

        started = time.monotonic()
        with Live(console=console, refresh_per_second=4) as live:
            return service.run(opts, lambda status, tally: live.update(panel(status, tally, opts.rps, started)))
    except KeyboardInterrupt:
        err_console.print("Stopped watching. The rollout goes on in the lab: `labctl status --local` shows it.")
        raise typer.Exit(130) from None
