"""labctl: the learner's CLI. Registers command groups; nothing else."""

from __future__ import annotations

import typer

from labctl.commands import (
    cicd,
    cost,
    dlq,
    doctor,
    labs,
    lifecycle,
    load,
    net,
    rollout,
    seed,
    slo,
    tls,
    worker,
)

app = typer.Typer(
    name="labctl",
    help="Run, measure and break a movie-ticket booking system, locally or on AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

lifecycle.register(app)  # up, down, status, extend
seed.register(app)
rollout.register(app)  # rollout --local
doctor.register(app)
worker.register(app)
app.add_typer(dlq.app, name="dlq", help="Inspect and redrive the dead-letter queues.")
app.add_typer(cost.app, name="cost", help="What the lab costs, from the synthesized templates.")
app.add_typer(tls.app, name="tls", help="Inspect certificate chains; run a local HTTPS lab.")
app.add_typer(net.app, name="net", help="Time the TCP and TLS handshakes; compare HTTP/1.1 and HTTP/2.")
app.add_typer(slo.app, name="slo", help="SLIs, error budgets and burn rates from CloudWatch.")
app.add_typer(load.app, name="load", help="Release-day load: Locust scenarios and the invariant checker.")
app.add_typer(labs.app, name="labs", help="The guided exercises and their checks.")
app.add_typer(cicd.app, name="cicd", help="GitHub Actions with OIDC: deploy role, smoke test, expiry check.")


def main() -> None:
    """Console-script entry point."""
    app()
