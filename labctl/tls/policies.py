"""Set a server's offer against AWS TLS security policies and Mozilla's server-side TLS profiles (data files)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from labctl.tls.certs import CertInfo

DATA = Path(__file__).parent / "data"
PROFILES = ("modern", "intermediate", "old")  # strictest first
_EC_GROUPS_ONLY = ("ffdhe",)  # finite-field groups are not "curves": the profiles' tls_curves do not speak of them
_CURVE_NAMES = {"secp256r1": "prime256v1"}


@dataclass(frozen=True)
class Offer:
    """What the server was seen to accept, and what this client could have asked for."""

    protocols: frozenset[str]
    ciphers: frozenset[str]  # TLS 1.3 suites and older suites, OpenSSL names
    groups: frozenset[str]
    leaf: CertInfo
    trusted: bool
    checkable: frozenset[str]  # protocol, suite and group names this client offers

    @property
    def pq(self) -> bool:
        """A hybrid post-quantum group (ML-KEM) was negotiated."""
        return any("MLKEM" in g for g in self.groups)


@dataclass(frozen=True)
class PolicyMatch:
    """One AWS policy against the offer: missing = in the policy, not accepted; extra = accepted, not in it."""

    name: str
    service: str
    match: bool
    missing: list[str]
    extra: list[str]
    unchecked: list[str] = field(default_factory=list)  # in the policy but beyond what this client can offer

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class ProfileVerdict:
    """The strictest Mozilla profile met ("none" if none), and what stands between the server and `target`."""

    mozilla: str
    target: str | None
    deviations: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def aws_policies() -> list[dict[str, Any]]:
    """The policy table: name, service (alb | cloudfront), protocols, ciphers, pq."""
    policies: list[dict[str, Any]] = _load("aws_tls_policies.json")["policies"]
    return policies


def _usable(cipher: str, leaf: CertInfo) -> bool:
    # a server can only pick suites its certificate can sign for: RSA certs never negotiate *-ECDSA-*
    if cipher.startswith("TLS_"):
        return True
    if "-ECDSA-" in cipher:
        return leaf.key.type == "EC"
    return leaf.key.type == "RSA"


def match_policy(policy: dict[str, Any], offer: Offer) -> PolicyMatch:
    """missing / extra / unchecked for one policy; `match` when nothing checkable differs."""
    pq_group = "X25519MLKEM768"
    wanted = set(policy["protocols"]) | {c for c in policy["ciphers"] if _usable(c, offer.leaf)}
    if policy["pq"]:
        wanted.add(pq_group)
    seen = set(offer.protocols) | set(offer.ciphers) | ({pq_group} if offer.pq else set())
    missing = sorted((wanted & offer.checkable) - seen)
    extra = sorted(seen - wanted)
    unchecked = sorted(wanted - offer.checkable)
    return PolicyMatch(policy["name"], policy["service"], not missing and not extra, missing, extra, unchecked)


def match_aws(offer: Offer) -> list[PolicyMatch]:
    """Every AWS policy, exact matches first, then by the number of differences."""
    matches = [match_policy(p, offer) for p in aws_policies()]
    return sorted(matches, key=lambda m: (not m.match, len(m.missing) + len(m.extra), m.name))


def _curve(name: str) -> str:
    return _CURVE_NAMES.get(name, name)


def deviations(profile: str, offer: Offer) -> list[str]:
    """What the offer and certificate do that the Mozilla profile does not allow (as sslyze checks it)."""
    p = _load("mozilla_tls_profiles.json")["profiles"][profile]
    out: list[str] = []
    if extra := sorted(offer.protocols - set(p["tls_versions"])):
        out.append(f"accepts {', '.join(extra)} ({profile} allows {', '.join(p['tls_versions'])})")
    suites = {c for c in offer.ciphers if c.startswith("TLS_")}
    if extra := sorted(suites - set(p["ciphersuites"])):
        out.append(f"accepts TLS 1.3 suites {', '.join(extra)}")
    if extra := sorted(offer.ciphers - suites - set(p["ciphers"])):
        out.append(f"accepts {len(extra)} suite(s) outside {profile}: {', '.join(extra)}")
    # hybrid ML-KEM groups are left out: guideline 5.8 adds X25519MLKEM768, and no profile forbids stronger kx
    curves = {_curve(g) for g in offer.groups if not g.startswith(_EC_GROUPS_ONLY) and "MLKEM" not in g}
    if extra := sorted(curves - set(p["tls_curves"])):
        out.append(f"accepts key-exchange groups {', '.join(extra)} ({profile}: {', '.join(p['tls_curves'])})")
    out += _certificate_deviations(p, profile, offer)
    return out


def _certificate_deviations(p: dict[str, Any], profile: str, offer: Offer) -> list[str]:
    leaf, out = offer.leaf, []
    kind = {"EC": "ecdsa", "RSA": "rsa"}.get(leaf.key.type, leaf.key.type.lower())
    if kind not in p["certificate_types"]:
        out.append(f"certificate key is {kind} ({profile} wants {', '.join(p['certificate_types'])})")
    if kind == "ecdsa" and leaf.key.bits not in (256, 384):
        out.append(f"certificate curve is {leaf.key.bits}-bit ({profile}: P-256 or P-384)")
    if kind == "rsa" and p["rsa_key_size"] and leaf.key.bits < p["rsa_key_size"]:
        out.append(f"RSA key is {leaf.key.bits} bits, under {p['rsa_key_size']}")
    if leaf.signature_algorithm not in p["certificate_signatures"]:
        out.append(f"certificate signed with {leaf.signature_algorithm}")
    lifespan = leaf.lifespan_days
    if lifespan > p["maximum_certificate_lifespan"]:
        out.append(f"certificate lifespan {lifespan} days, over {p['maximum_certificate_lifespan']}")
    if not offer.trusted:
        out.append("the chain does not validate")
    return out


def mozilla_verdict(offer: Offer) -> ProfileVerdict:
    """The strictest profile with no deviations; deviations listed for the next stricter one (intermediate if none)."""
    found = {name: deviations(name, offer) for name in PROFILES}
    met = next((name for name in PROFILES if not found[name]), None)
    if met is None:
        return ProfileVerdict("none", "intermediate", found["intermediate"])
    stricter = PROFILES[PROFILES.index(met) - 1] if met != PROFILES[0] else None
    return ProfileVerdict(met, stricter, found[stricter] if stricter else [])
