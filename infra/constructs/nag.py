"""cdk-nag acknowledgements, kept next to the resources they excuse; each carries a specific reason."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(construct: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge cdk-nag findings `(rule_id, reason)` on a construct and its children."""
    for rule_id, reason in findings:
        if len(reason) < 20:
            raise ValueError(f"acknowledgement of {rule_id} needs a specific reason, got {reason!r}")
        cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
