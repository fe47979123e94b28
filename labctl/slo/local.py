"""Find the local lab's CloudWatch (the moto server) from the local lab's state file."""

from __future__ import annotations

import os

ENV_ENDPOINT = "LABCTL_CLOUDWATCH_ENDPOINT"


def local_endpoint() -> tuple[str, str]:
    """(endpoint URL, region) of the running local lab's moto server; LABCTL_CLOUDWATCH_ENDPOINT overrides."""
    from labctl.local.running import incomplete, require_running

    if os.environ.get(ENV_ENDPOINT):
        return os.environ[ENV_ENDPOINT], os.environ.get("AWS_REGION", "us-east-1")
    lab = require_running(otherwise="pass --endpoint-url http://127.0.0.1:PORT")
    endpoint = lab.endpoints.get("moto")
    if endpoint is None:
        raise incomplete("the moto endpoint (CloudWatch)")
    return endpoint, lab.region
