"""Test builder for the certificate summary the TLS findings and policy checks read."""

from __future__ import annotations

import dataclasses
from typing import Any

from labctl.tls.certs import CertInfo, KeyInfo

_BASE = CertInfo(
    subject="CN=leaf",
    issuer="CN=ca",
    sans=["leaf"],
    serial="1",
    not_before="2026-01-01T00:00:00+00:00",
    not_after="2027-01-01T00:00:00+00:00",
    days_left=80,
    expired=False,
    not_yet_valid=False,
    key=KeyInfo("EC", 256),
    signature_algorithm="sha256WithRSAEncryption",
    sha256="AA",
    is_ca=False,
    self_signed=False,
)


def cert_info(**changes: Any) -> CertInfo:
    """A plausible leaf (EC-256, valid for a year) with the given fields changed."""
    return dataclasses.replace(_BASE, **changes)
