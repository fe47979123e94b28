"""Find the local lab's CloudWatch (the moto server) from the local lab's state file."""

from __future__ import annotations

import os

from labctl.output import LabError

ENV_ENDPOINT = "LABCTL_CLOUDWATCH_ENDPOINT"


def local_endpoint() -> tuple[str, str]:
    """(endpoint URL, region) of the running local lab's moto server; LABCTL_CLOUDWATCH_ENDPOINT overrides."""
    from labctl.local import state

    if os.environ.get(ENV_ENDPOINT):
        return os.environ[ENV_ENDPOINT], os.environ.get("AWS_REGION", "us-east-1")
    try:
        lab = state.load()
    except state.StateCorruptError as err:
        raise LabError(
            "local_state_corrupt", str(err), "Run `labctl down --local`, then `labctl up --local`."
        ) from None
    endpoint = None if lab is None else lab.endpoints.get("moto")
    if lab is None or endpoint is None:
        raise LabError(
            "local_lab_not_running",
            f"No running local lab recorded in {state.state_path()}.",
            "Start it with `labctl up --local`, or pass --endpoint-url http://127.0.0.1:PORT.",
        )
    return endpoint, lab.region
